"""Who is who: the member profile of an account, and which organisations an account
may see (its administered subtrees, or all of them for editors)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Q, QuerySet

from dangke.cache import MISSING, ProcessCache
from learning.models import PATH_STEP, Member, Organisation, OrganisationAdministrator
from learning.selectors.tree import organisation_subtree_q

MEMBER_TTL = 300  # seconds; saving or deleting a member forgets it (signal_handlers)

# Every heartbeat asks for the member: a short per-process copy in front of the
# shared cache. Forgotten by ``learning.services.member_forget`` (another
# process's within the ttl).
member_memo = ProcessCache("learning.members", ttl=10.0)

UserLike = AbstractBaseUser | AnonymousUser


def member_cache_key(*, user_id: int) -> str:
    """The shared-cache key of an account's member profile."""
    return f"learning:member:{user_id}"


def member_for_user(*, user: UserLike | None) -> Member | None:
    """The member profile of ``user`` (None when the account is not a member or not
    signed in). Raises nothing.

    Every heartbeat asks, so the few fields needed are kept in the shared cache; the
    instance returned is unsaved-looking but carries the right primary key."""
    if not user or not user.is_authenticated:
        return None
    cached = member_memo.get(user.pk)
    if cached is MISSING:
        cached = _member_fields(user.pk)
        member_memo.set(user.pk, cached)
    if not cached:
        return None
    return member_from_fields(user_id=user.pk, fields=cached)


def member_from_fields(*, user_id: int, fields: dict[str, Any]) -> Member:
    """A member instance from its ``MEMBER_FIELDS`` (unsaved-looking, but with the
    right primary key)."""
    member = Member(user_id=user_id, **fields)
    member._state.adding = False
    return member


MEMBER_FIELDS = ("pk", "name", "member_type", "organisation_id", "join_date")


def remember_member(*, user_id: int, fields: dict[str, Any] | None) -> None:
    """Keep an account's member profile (its ``MEMBER_FIELDS``, just read from the
    database or the token cache; None: it has none) in this process's memo for
    ``member_for_user``. Raises nothing."""
    member_memo.set(user_id, fields or False)


def _member_fields(user_id: int) -> dict[str, Any] | bool:
    key = member_cache_key(user_id=user_id)
    cached = cache.get(key)
    if cached is None:
        row = Member.objects.filter(user_id=user_id).values(*MEMBER_FIELDS).first()
        cached = row or False
        cache.set(key, cached, MEMBER_TTL)
    return cached


def organisation_prefixes(*, path: str) -> list[str]:
    """The paths of the node at ``path`` and of all its ancestors."""
    return [path[:end] for end in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def user_sees_all_organisations(*, user: UserLike) -> bool:
    """True for superusers and editors allowed to change organisations."""
    return user.is_superuser or user.has_perm("learning.change_organisation")


def organisations_administered(*, user: UserLike) -> QuerySet[Organisation]:
    """The top organisations of the subtrees ``user`` may see (all roots for editors;
    none for anonymous users)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if user_sees_all_organisations(user=user):
        return Organisation.objects.filter(parent__isnull=True)
    return Organisation.objects.filter(
        pk__in=OrganisationAdministrator.objects.filter(user=user).values(
            "organisation_id"
        )
    )


def organisation_scope_q(*, user: UserLike, prefix: str = "") -> Q:
    """A filter keeping rows whose organisation lies in ``user``'s subtrees;
    ``prefix`` is the lookup path to the organisation (e.g. ``"organisation__"``)."""
    if user.is_authenticated and user_sees_all_organisations(user=user):
        return Q()
    paths = list(organisations_administered(user=user).values_list("path", flat=True))
    if not paths:
        return Q(pk__in=[])
    query = Q()
    for path in paths:
        query |= organisation_subtree_q(path=path, prefix=prefix)
    return query


def user_can_report_on(*, user: UserLike, organisation: Organisation) -> bool:
    """True when ``organisation`` lies in one of the subtrees ``user`` may see."""
    if not user.is_authenticated:
        return False
    if user_sees_all_organisations(user=user):
        return True
    return any(
        organisation.path.startswith(path)
        for path in organisations_administered(user=user).values_list("path", flat=True)
    )


def organisation_paths_administered(*, user: UserLike) -> list[str] | None:
    """The subtree paths ``user`` may manage, or None when it may manage all."""
    if user_sees_all_organisations(user=user):
        return None
    return list(organisations_administered(user=user).values_list("path", flat=True))
