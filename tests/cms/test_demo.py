"""`manage.py load_demo` builds the demo content, and running it again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Revision

from cms import demo_data
from cms.models import (
    CoursePage,
    Lecturer,
    MicroLessonPage,
    RedRoute,
    TeachingSitePage,
    TopicPage,
    VRCoursewarePage,
)
from media_pipeline.models import VideoAsset


def snapshot() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "assets": VideoAsset.objects.count(),
        "lecturers": Lecturer.objects.count(),
        "users": get_user_model().objects.count(),
        "routes": RedRoute.objects.count(),
    }


@pytest.mark.slow
def test_load_demo_builds_the_programme_and_is_idempotent(
    transactional_db, ffmpeg_binaries, client
):
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    first = snapshot()

    assert MicroLessonPage.objects.live().count() == 12
    assert CoursePage.objects.live().count() >= 4
    assert set(CoursePage.objects.values_list("category", flat=True)) == {
        "compulsory",
        "elective",
    }
    assert set(TopicPage.objects.values_list("title", flat=True)) == {
        "党史学习教育",
        "学习贯彻党的二十届三中全会精神",
    }
    assert Lecturer.objects.count() == 5
    assert VRCoursewarePage.objects.live().count() == 2
    assert TeachingSitePage.objects.live().count() == 4
    third_congress = TeachingSitePage.objects.get(slug="third-congress-site")
    assert 23.0 < third_congress.latitude < 23.3
    assert 113.1 < third_congress.longitude < 113.4
    # Every lesson has a real generated video.
    for lesson in MicroLessonPage.objects.live():
        assert lesson.video is not None
        assert lesson.video.size > 1000
        assert len(lesson.video.checksum) == 64

    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    assert snapshot() == first

    listed = client.get("/api/v3/pages/?type=cms.MicroLessonPage&limit=50").json()
    assert listed["count"] == 12

    for username, *_ in demo_data.DEMO_USERS:
        assert client.login(username=username, password=demo_data.DEMO_PASSWORD)


def test_demo_text_content_without_media(db):
    from cms.demo import demo_content_load

    demo_content_load(with_media=False)
    assert MicroLessonPage.objects.live().count() == 12
    submission = MicroLessonPage.objects.get(slug=demo_data.SUBMISSION["slug"])
    assert not submission.live
    assert submission.workflow_in_progress
