"""Snippet views (shared by every app's admin) that check permissions per object, not only per model.

Wagtail's generic edit and delete views check the model-level permission; with
policies where a user may act on some instances only (a lecturer's own profile, an
uploader's own videos) the instance must be checked too, and listings must show only
what the user may act on.
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


class InstanceCheckedViewSetMixin:
    """For a SnippetViewSet: edit/delete check the instance; the list shows only what
    the user may change or view."""

    edit_view_class = InstanceCheckedEditView
    delete_view_class = InstanceCheckedDeleteView

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_any_permission_for(
            request.user, ["change", "view"]
        )


class PermissionMenuItem(MenuItem):
    """An admin menu item shown only to users with ``permission``."""

    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
