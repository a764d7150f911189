"""Fixtures of the learning area: an organisation tree, members, a course."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def tree(db):
    """district → 2 sub-districts → a community each → a branch each."""
    district = factories.organisation(kind="district", name="越秀区", code="D")
    result = {"district": district}
    for n in (1, 2):
        sub = factories.organisation(parent=district, kind="subdistrict", code=f"S{n}")
        community = factories.organisation(parent=sub, kind="community", code=f"C{n}")
        branch = factories.organisation(parent=community, kind="branch", code=f"B{n}")
        result.update(
            {f"sub{n}": sub, f"community{n}": community, f"branch{n}": branch}
        )
    return result


@pytest.fixture
def member(tree, member_user):
    return factories.member(organisation=tree["branch1"], user=member_user)


@pytest.fixture
def lesson(section):
    return factories.lesson(section, title="党章学习", duration=600)


@pytest.fixture
def course(section, lesson):
    return factories.course(
        section, title="党章课程", lessons=[lesson], credit_hours=None
    )
