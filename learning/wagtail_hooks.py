"""Admin: organisations, members, admins, assignments, training classes, imports,
reports and check-in screens. Organisation admins see only their own subtrees."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from dangke.admin_scope import ScopedViewSetMixin
from dangke.admin_views import PermissionMenuItem
from learning import views
from learning.forms import ScopedOrganisationForm
from learning.models import (
    Assignment,
    Member,
    Organisation,
    OrganisationAdministrator,
    TrainingClass,
)
from learning.selectors import organisation_scope_q


class ScopedViewSet(ScopedViewSetMixin, ModelViewSet):
    """Objects of the user's organisation subtrees only, in every view
    (``dangke.admin_scope``); ``organisation_prefix`` leads from the model to its
    organisation's ``path``."""

    organisation_prefix = "organisation__"
    add_to_admin_menu = False

    def scope_queryset(self, queryset, *, user):
        return queryset.filter(
            organisation_scope_q(user=user, prefix=self.organisation_prefix)
        )

    def get_edit_handler(self):
        return ObjectList(
            self.model.panels, base_form_class=ScopedOrganisationForm
        ).bind_to_model(self.model)


class OrganisationViewSet(ScopedViewSet):
    model = Organisation
    organisation_prefix = ""
    icon = "group"
    menu_label = "党组织"
    list_display = ["name", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


class MemberViewSet(ScopedViewSet):
    model = Member
    icon = "user"
    menu_label = "党员"
    list_display = ["name", "organisation", "member_type", "join_date"]
    list_filter = ["member_type"]
    search_fields = ["name", "user__username"]


class OrganisationAdministratorViewSet(ScopedViewSet):
    model = OrganisationAdministrator
    icon = "key"
    menu_label = "组织管理员"
    list_display = ["user", "organisation"]


class AssignmentCreateView(generic.CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class AssignmentViewSet(ScopedViewSet):
    model = Assignment
    icon = "tasks"
    menu_label = "必修指派"
    list_display = ["content", "organisation", "deadline", "created_by"]
    add_view_class = AssignmentCreateView


class TrainingClassViewSet(ScopedViewSet):
    model = TrainingClass
    icon = "date"
    menu_label = "培训班"
    list_display = ["title", "organisation", "attendance", views.checkin_links_column()]
    list_filter = ["attendance"]


class LearningGroup(ModelViewSetGroup):
    menu_label = "学习管理"
    menu_icon = "group"
    menu_order = 250
    items = (
        OrganisationViewSet("organisations"),
        MemberViewSet("members"),
        OrganisationAdministratorViewSet("organisation_admins"),
        AssignmentViewSet("assignments"),
        TrainingClassViewSet("training_classes"),
    )


@hooks.register("register_admin_viewset")
def register_learning_viewsets():
    return LearningGroup()


@hooks.register("register_admin_urls")
def register_learning_urls():
    return [
        path("learning/import/", views.import_view, name="learning_import"),
        path("learning/reports/", views.report_view, name="learning_report"),
        path(
            "learning/sessions/<int:session_id>/checkin/",
            views.checkin_view,
            name="learning_checkin",
        ),
        path(
            "learning/sessions/<int:session_id>/checkin.png",
            views.checkin_qr_view,
            name="learning_checkin_qr",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return PermissionMenuItem(
        "学习报表",
        reverse("learning_report"),
        icon_name="table",
        order=251,
        permission="learning.view_member",
    )


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return PermissionMenuItem(
        "导入党组织/党员",
        reverse("learning_import"),
        icon_name="upload",
        order=252,
        permission="learning.add_member",
    )
