"""Admin: the secretary's meeting pages (组织生活) — meetings, one meeting, the
ledger, the overview along the tree and the party groups (``meetings.admin_views``)."""

from __future__ import annotations

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from meetings import admin_views


@hooks.register("register_admin_urls")
def register_meetings_urls():
    return [
        path("meetings/", admin_views.index_view, name="meetings_admin"),
        path("meetings/new/", admin_views.schedule_view, name="meetings_admin_new"),
        path(
            "meetings/<int:meeting_id>/",
            admin_views.meeting_view,
            name="meetings_admin_meeting",
        ),
        path(
            "meetings/<int:meeting_id>/attachments/<int:attachment_id>/",
            admin_views.attachment_view,
            name="meetings_admin_attachment",
        ),
        path("meetings/ledger/", admin_views.ledger_view, name="meetings_admin_ledger"),
        path(
            "meetings/overview/",
            admin_views.overview_view,
            name="meetings_admin_overview",
        ),
        path("meetings/groups/", admin_views.groups_view, name="meetings_admin_groups"),
        path(
            "meetings/groups/<int:group_id>/",
            admin_views.group_view,
            name="meetings_admin_group",
        ),
    ]


class MeetingsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_admin_menu_item")
def register_meetings_menu_item():
    return MeetingsMenuItem(
        "组织生活", reverse("meetings_admin"), icon_name="date", order=253
    )
