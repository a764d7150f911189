"""Admin: 讲师点单 — orders with dispatch, the menu's review queue, workload and
demand (``lectures.admin_views``)."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lectures import admin_views


@hooks.register("register_admin_urls")
def register_lectures_urls():
    return [
        path("lectures/", admin_views.orders_view, name="lectures_admin"),
        path("lectures/review/", admin_views.review_view, name="lectures_admin_review"),
        path("lectures/report/", admin_views.report_view, name="lectures_admin_report"),
    ]


class LecturesMenuItem(MenuItem):
    def is_shown(self, request):
        return admin_views.may_open(request.user)


@hooks.register("register_admin_menu_item")
def register_lectures_menu_item():
    return LecturesMenuItem(
        "讲师点单", reverse("lectures_admin"), icon_name="group", order=256
    )
