"""Which user accounts an organisation admin may tie to a member profile or an
admin role: never one whose member profile lies in another subtree."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from learning.models import Member
from learning.selectors.scoping import (
    UserLike,
    organisation_scope_q,
    user_sees_all_organisations,
)


def accounts_assignable(*, user: UserLike) -> QuerySet:
    """The accounts ``user`` may name in the admin's member and admin forms: every
    account for editors; otherwise accounts that are not staff or superusers and
    have no member profile outside ``user``'s subtrees. Raises nothing."""
    accounts = get_user_model()._default_manager.all()
    if user.is_authenticated and user_sees_all_organisations(user=user):
        return accounts
    outside = Member.objects.exclude(
        organisation_scope_q(user=user, prefix="organisation__")
    )
    return accounts.filter(is_staff=False, is_superuser=False).exclude(
        pk__in=outside.values("user_id")
    )
