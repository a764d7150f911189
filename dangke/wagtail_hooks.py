"""Admin: the audit log (审计日志), read-only, for superusers only."""

from __future__ import annotations

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from dangke.models import AuditEntry


class SuperusersReadOnly(ModelPermissionPolicy):
    """Superusers may list and inspect entries; nobody may add, change or delete."""

    def user_has_permission(self, user, action):
        return action in ("view", "inspect") and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(AuditEntry, SuperusersReadOnly(AuditEntry), exact_class=True)


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = "审计日志"
    menu_order = 900
    add_to_admin_menu = True
    inspect_view_enabled = True
    # No one may add or edit (the policy says so); the form exists only for Wagtail.
    exclude_form_fields: list[str] = []
    list_display = ["at", "actor_name", "action", "subject", "channel", "row_count"]
    list_filter = ["action", "subject", "channel"]
    search_fields = ["actor_name", "subject", "request_id"]
    inspect_view_fields = [
        "at",
        "actor_name",
        "action",
        "subject",
        "channel",
        "scope",
        "row_count",
        "request_id",
    ]


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEntryViewSet("audit")


@hooks.register("register_admin_urls")
def register_import_job_urls():
    from django.urls import path

    from dangke.import_views import import_job_view

    return [path("imports/<int:job_id>/", import_job_view, name="import_job")]
