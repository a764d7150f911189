from wagtail.permission_policies.base import ModelPermissionPolicy

OWN_PROFILE_ACTIONS = {"change", "view"}


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
