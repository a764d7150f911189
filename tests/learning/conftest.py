"""Fixtures of the learning area: an organisation tree, members, a course."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests import factories
from tests.learning import factories as lf


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached lesson facts never leak between tests."""
    from learning.auth import token_memo_forget
    from learning.selectors import lesson_info_forget, member_forget

    token_memo_forget()

    cache.clear()
    lesson_info_forget()
    member_forget()
    yield
    cache.clear()
    lesson_info_forget()
    member_forget()


@pytest.fixture
def tree(db):
    """district → 2 sub-districts → a community each → a branch each."""
    district = lf.organisation(kind="district", name="越秀区", code="D")
    result = {"district": district}
    for n in (1, 2):
        sub = lf.organisation(parent=district, kind="subdistrict", code=f"S{n}")
        community = lf.organisation(parent=sub, kind="community", code=f"C{n}")
        branch = lf.organisation(parent=community, kind="branch", code=f"B{n}")
        result.update(
            {f"sub{n}": sub, f"community{n}": community, f"branch{n}": branch}
        )
    return result


@pytest.fixture
def member(tree, member_user):
    return lf.member(organisation=tree["branch1"], user=member_user)


@pytest.fixture
def lesson(section):
    return factories.lesson(section, title="党章学习", duration=600)


@pytest.fixture
def course(section, lesson):
    return factories.course(
        section, title="党章课程", lessons=[lesson], credit_hours=None
    )
