"""Fixtures of the learning area: a lesson and its course, a member in each branch,
an organisation admin of sub1 (the organisation tree and the member are shared:
tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def lesson(section):
    return factories.lesson(section, title="党章学习", duration=600)


@pytest.fixture
def course(section, lesson):
    return factories.course(
        section, title="党章课程", lessons=[lesson], credit_hours=None
    )


@pytest.fixture
def people(tree):
    """A member in each branch: zhang under sub1, wang under sub2."""
    return {
        "one": factories.member(organisation=tree["branch1"], username="zhang"),
        "two": factories.member(organisation=tree["branch2"], username="wang"),
    }


@pytest.fixture
def secretary(tree):
    """The organisation admin of sub1."""
    return factories.org_admin(organisation=tree["sub1"], username="secretary")
