"""Admin: the organiser's 集中收看 pages (``viewing.admin_views``)."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from viewing import admin_views


@hooks.register("register_admin_urls")
def register_viewing_urls():
    return [
        path("viewing/", admin_views.index_view, name="viewing_admin"),
        path(
            "viewing/rooms/<int:room_id>/",
            admin_views.room_view,
            name="viewing_admin_room",
        ),
    ]


class ViewingMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_admin_menu_item")
def register_viewing_menu_item():
    return ViewingMenuItem(
        "集中收看", reverse("viewing_admin"), icon_name="media", order=256
    )
