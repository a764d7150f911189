"""Fixtures of the cms area (the pages, the editor and the lecturer's account are
shared: tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def ready_video(lecturer_user):
    """The lecturer's uploaded video, transcoded and playable: 125.4 s."""
    return factories.video_asset(
        title="讲课视频",
        status="ready",
        published_version=1,
        duration=125.4,
        uploaded_by=lecturer_user,
    )
