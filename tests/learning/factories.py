"""Builders for learning tests; each returns a saved object."""

from __future__ import annotations

import itertools

from tests import factories

_counter = itertools.count(1)


def organisation(
    *, parent=None, kind: str = "branch", name: str | None = None, code=None
):
    from learning.models import Organisation

    number = next(_counter)
    return Organisation.objects.create(
        code=code or f"ORG{number:04d}",
        name=name or f"组织 {number}",
        kind=kind,
        parent=parent,
    )


def member(
    *,
    organisation,
    member_type: str = "regular",
    username: str | None = None,
    user=None,
):
    from learning.models import Member

    if user is None:
        user = factories.user(username or f"m{next(_counter)}", groups=["党员"])
    return Member.objects.create(
        user=user,
        name=user.username,
        organisation=organisation,
        member_type=member_type,
    )


def org_admin(*, organisation, username: str):
    from learning.models import OrganisationAdministrator

    user = factories.user(username, groups=["组织管理员"])
    OrganisationAdministrator.objects.create(user=user, organisation=organisation)
    return user
