from django.db.models import Q
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permission_policies.pages import PagePermissionPolicy

OWN_PROFILE_ACTIONS = {"change", "view"}
# Page permissions that show every page below them, whoever owns it.
WIDE_ACTIONS = ("change", "publish")


class LecturerProfilePermissionPolicy(ModelPermissionPolicy):
    """Editors manage the whole pool; a lecturer may view and edit only the profile
    tied to their own account."""

    def _owns_a_profile(self, user) -> bool:
        return user.is_authenticated and self.model.objects.filter(user=user).exists()

    def user_has_permission(self, user, action):
        if super().user_has_permission(user, action):
            return True
        return action in OWN_PROFILE_ACTIONS and self._owns_a_profile(user)

    def user_has_permission_for_instance(self, user, action, instance):
        if super().user_has_permission(user, action):
            return True
        return (
            action in OWN_PROFILE_ACTIONS
            and user.is_authenticated
            and instance.user_id == user.pk
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, action, instance)
            for action in actions
        )

    def instances_user_has_any_permission_for(self, user, actions):
        if any(
            super(LecturerProfilePermissionPolicy, self).user_has_permission(user, a)
            for a in actions
        ):
            return self.model._default_manager.all()
        if set(actions) & OWN_PROFILE_ACTIONS and user.is_authenticated:
            return self.model._default_manager.filter(user=user)
        return self.model._default_manager.none()


class OwnSubmissionsPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page rules, plus privacy between contributors: where a user may only
    add pages (the lecturers in the submissions area), the pages below belong to
    their owners, so the user explores, chooses and searches only their own. Who may
    change or publish there (editors) still sees every page."""

    def _others_pages(self, user) -> Q | None:
        """Pages hidden from ``user``: below an add-only permission, owned by
        someone else and not under a wider permission."""
        if not user.is_active or user.is_superuser:
            return None
        add, wide = (
            self._get_permission_codename("add"),
            {self._get_permission_codename(action) for action in WIDE_ACTIONS},
        )
        perms = list(self.get_cached_permissions_for_user(user))
        wide_paths = [p.page.path for p in perms if p.permission.codename in wide]
        hidden = Q()
        for perm in perms:
            area = perm.page
            if perm.permission.codename != add or any(
                area.path.startswith(path) for path in wide_paths
            ):
                continue
            hidden |= Q(path__startswith=area.path, depth__gt=area.depth)
        if not hidden:
            return None
        visible = Q(owner=user)
        for path in wide_paths:
            visible |= Q(path__startswith=path)
        return hidden & ~visible

    def pages_without_others(self, *, user, pages):
        """``pages`` without the other contributors' pages ``user`` may not see."""
        hidden = self._others_pages(user)
        return pages if hidden is None else pages.exclude(hidden)

    def explorable_instances(self, user):
        return self.pages_without_others(
            user=user, pages=super().explorable_instances(user)
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return self.pages_without_others(
            user=user,
            pages=super().instances_user_has_any_permission_for(user, actions),
        )
