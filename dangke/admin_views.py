"""Snippet views (shared by every app's admin) that check permissions per object, not only per model.

Wagtail's generic edit and delete views check the model-level permission; with
policies where a user may act on some instances only (a lecturer's own profile, an
uploader's own videos) the instance must be checked too
(``dangke.admin_scope.PolicyScopedViewSetMixin`` uses these views and keeps every
other view, listings included, to what the user may act on).
"""

from django.core.exceptions import PermissionDenied
from wagtail.admin.menu import MenuItem
from wagtail.snippets.views import snippets


class _InstanceCheckMixin:
    instance_action = "change"

    def get_object(self, queryset=None):
        instance = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(
            self.request.user, self.instance_action, instance
        ):
            raise PermissionDenied
        return instance


class InstanceCheckedEditView(_InstanceCheckMixin, snippets.EditView):
    pass


class InstanceCheckedDeleteView(_InstanceCheckMixin, snippets.DeleteView):
    instance_action = "delete"


class PermissionMenuItem(MenuItem):
    """An admin menu item shown only to users with ``permission``."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
