"""Admin: 培训统计, for organisation administrators (their own subtrees) and editors."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from figures import views
from learning import selectors as learning_selectors


@hooks.register("register_admin_urls")
def register_figures_urls():
    return [
        path("figures/training/", views.statistics_view, name="figures_training"),
    ]


class ReaderMenuItem(MenuItem):
    def is_shown(self, request):
        return learning_selectors.organisations_administered(user=request.user).exists()


@hooks.register("register_admin_menu_item")
def register_figures_menu_item():
    return ReaderMenuItem(
        "培训统计", reverse("figures_training"), icon_name="table", order=263
    )
