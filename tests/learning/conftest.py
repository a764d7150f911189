"""Fixtures of the learning area: a lesson and its course (the organisation tree
and the member are shared: tests/conftest.py)."""

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
