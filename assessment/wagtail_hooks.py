"""Admin: the question bank (题库) with import and export, quizzes and exams, and
knowledge contests. Contests belong to an organisation: organisation admins see
and edit only those of their own subtrees."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from assessment import views
from assessment.forms import ContestForm, LiveContestForm, QuestionForm, QuizForm
from assessment.models import LiveContest, OnlineContest, Question, Quiz
from dangke.admin_scope import ScopedViewSetMixin
from dangke.admin_views import PermissionMenuItem
from learning.selectors import organisation_scope_q


class QuestionViewSet(ModelViewSet):
    model = Question
    icon = "help"
    menu_label = "题库"
    list_display = ["__str__", "kind", "difficulty", "page", "active"]
    list_filter = ["kind", "difficulty", "active"]
    search_fields = ["stem", "explanation"]
    search_backend_name = None
    add_to_admin_menu = False
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionForm)


class QuizViewSet(ModelViewSet):
    model = Quiz
    icon = "form"
    menu_label = "测验与考试"
    list_display = ["title", "kind", "page", "selection", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["title"]
    search_backend_name = None
    add_to_admin_menu = False
    edit_handler = ObjectList(Quiz.panels, base_form_class=QuizForm)


class ContestViewSet(ScopedViewSetMixin, ModelViewSet):
    """Contests of the user's organisation subtrees only, in every view (the join
    codes of a live contest's teams included): ``dangke.admin_scope``."""

    add_to_admin_menu = False
    contest_form_class = ContestForm
    search_fields = ["title"]
    search_backend_name = None

    def scope_queryset(self, queryset, *, user):
        return queryset.filter(organisation_scope_q(user=user, prefix="organisation__"))

    def get_edit_handler(self):
        return ObjectList(
            self.model.panels, base_form_class=self.contest_form_class
        ).bind_to_model(self.model)


class OnlineContestViewSet(ContestViewSet):
    model = OnlineContest
    icon = "trophy"
    menu_label = "知识竞赛（海选）"
    list_display = ["title", "organisation", "opens_at", "closes_at", "ranking_public"]


class TeamsColumn(Column):
    """Each team of a live contest with its join code and a link to its QR."""

    def get_value(self, instance):
        return format_html_join(
            "；",
            '{}：<a href="{}" target="_blank">{}</a>',
            (
                (
                    team.name,
                    reverse(
                        "wagtailapi_v3:assessment_live_team_qr",
                        args=[instance.pk, team.pk],
                    ),
                    team.join_code,
                )
                for team in instance.teams.all()
            ),
        ) or format_html("{}", "—")


class LiveContestViewSet(ContestViewSet):
    model = LiveContest
    contest_form_class = LiveContestForm
    icon = "pick"
    menu_label = "知识竞赛（擂台赛）"
    list_display = [
        "title",
        "organisation",
        "hall",
        "status",
        TeamsColumn("teams", label="队伍与加入码"),
    ]


class AssessmentGroup(ModelViewSetGroup):
    menu_label = "测评与竞赛"
    menu_icon = "help"
    menu_order = 260
    items = (
        QuestionViewSet("questions"),
        QuizViewSet("quizzes"),
        OnlineContestViewSet("online_contests"),
        LiveContestViewSet("live_contests"),
    )


@hooks.register("register_admin_viewset")
def register_assessment_viewsets():
    return AssessmentGroup()


@hooks.register("register_admin_urls")
def register_assessment_urls():
    return [
        path("assessment/import/", views.import_view, name="assessment_import"),
        path("assessment/export/", views.export_view, name="assessment_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return PermissionMenuItem(
        "导入题库",
        reverse("assessment_import"),
        icon_name="upload",
        order=261,
        permission="assessment.add_question",
    )
