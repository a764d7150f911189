"""Admin: 宣讲比赛 for organisers (编辑, who hold the competitions' model
permissions): competitions, rounds with their rubric (weighted criteria) and
judges; a round's page (``admin/competition-rounds/<id>/results/``) shows the
standings computed from the stored marks and votes and closes the round or
releases its results through ``competitions.services``. Saving a round tells
its judges (a notice, and a reminder a day before it closes)."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from competitions import admin_views
from competitions.models import Competition, Round
from competitions.services import judges_notify


class CompetitionViewSet(ModelViewSet):
    model = Competition
    icon = "pick"
    menu_label = "比赛"
    list_display = ["title", "organisation", "winners_count", "created_at"]
    search_fields = ["title"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = True


class RoundCreateView(generic.CreateView):
    def save_instance(self):
        instance = super().save_instance()
        judges_notify(round=instance)
        return instance


class RoundEditView(generic.EditView):
    def save_instance(self):
        instance = super().save_instance()
        judges_notify(round=instance)
        return instance


class RoundViewSet(ModelViewSet):
    model = Round
    icon = "list-ol"
    menu_label = "赛段、评分细则与评委"
    list_display = ["__str__", "kind", "status", "closes_at", "released_at"]
    list_filter = ["kind", "status"]
    add_view_class = RoundCreateView
    edit_view_class = RoundEditView
    copy_view_enabled = False
    inspect_view_enabled = False
    form_fields = None
    exclude_form_fields = ["status", "closed_at", "released_at", "current_entry"]


class CompetitionsGroup(ViewSetGroup):
    menu_label = "宣讲比赛"
    menu_icon = "pick"
    menu_order = 290
    items = (
        CompetitionViewSet("competitions"),
        RoundViewSet("competition_rounds"),
    )


@hooks.register("register_admin_viewset")
def register_competitions_viewsets():
    return CompetitionsGroup()


@hooks.register("register_admin_urls")
def register_competition_round_urls():
    return [
        path(
            "competition-rounds/<int:round_id>/results/",
            admin_views.round_results_view,
            name="competitions_round_results",
        ),
    ]


class OrganiserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("competitions.change_competition")


@hooks.register("register_admin_menu_item")
def register_round_results_menu_item():
    return OrganiserMenuItem(
        "宣讲比赛成绩",
        reverse("competitions_round_results_index"),
        icon_name="pick",
        order=291,
    )


@hooks.register("register_admin_urls")
def register_competition_results_index():
    return [
        path(
            "competition-rounds/",
            admin_views.rounds_index_view,
            name="competitions_round_results_index",
        )
    ]
