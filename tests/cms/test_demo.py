"""`manage.py load_demo` builds the demo content, and running it again changes nothing."""

from __future__ import annotations

import io

import pytest
from celery.signals import task_prerun
from django.contrib.auth import get_user_model
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

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
from search.models import SearchDocument
from tests import factories


def snapshot() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "assets": VideoAsset.objects.count(),
        "lecturers": Lecturer.objects.count(),
        "users": get_user_model().objects.count(),
        "routes": RedRoute.objects.count(),
    }


@pytest.fixture
def search_tasks_run():
    """The names of the search tasks Celery runs (eagerly, in tests) meanwhile."""
    names: list[str] = []

    def seen(sender=None, **kwargs):
        if sender.name.startswith("search.tasks."):
            names.append(sender.name)

    task_prerun.connect(seen, weak=False)
    yield names
    task_prerun.disconnect(seen)


@pytest.mark.slow
def test_load_demo_builds_the_programme_and_is_idempotent(
    transactional_db, ffmpeg_binaries, client, search_tasks_run
):
    def load_demo():
        call_command(
            "load_demo",
            "--base-url",
            "http://127.0.0.1:8765",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    load_demo()
    first = snapshot()
    # The index was rebuilt once; no per-page task is left for the worker.
    assert search_tasks_run == []
    assert SearchDocument.objects.filter(kind="lesson").count() == 12
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.site_name) == (
        "127.0.0.1",
        8765,
        "党课 dangke",
    )

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

    load_demo()
    assert snapshot() == first

    listed = client.get("/api/v3/pages/?type=cms.MicroLessonPage&limit=50").json()
    assert listed["count"] == 12
    assert listed["items"][0]["meta"]["html_url"].startswith("http://127.0.0.1:8765/")

    for username, *_ in demo_data.DEMO_USERS:
        assert client.login(username=username, password=demo_data.DEMO_PASSWORD)


def test_demo_text_content_without_media(db):
    from cms.demo import demo_content_load

    demo_content_load(with_media=False)
    assert MicroLessonPage.objects.live().count() == 12
    submission = MicroLessonPage.objects.get(slug=demo_data.SUBMISSION["slug"])
    assert not submission.live
    assert submission.workflow_in_progress


def test_the_demo_site_takes_the_served_host_and_port(home_page, client):
    from cms.demo import demo_site_configure

    lesson = factories.lesson(factories.section(home_page, title="课", slug="lessons"))
    demo_site_configure(base_url="http://127.0.0.1:8123")
    item = client.get(f"/api/v3/pages/{lesson.pk}/").json()
    assert item["meta"]["html_url"] == f"http://127.0.0.1:8123/lessons/{lesson.slug}/"
    assert Site.objects.get(is_default_site=True).site_name == "党课 dangke"
    for bad in ("ftp://host", "http://", "http://host:port"):
        with pytest.raises(ValueError):
            demo_site_configure(base_url=bad)


def test_paused_search_sync_queues_no_task(
    home_page, search_tasks_run, django_capture_on_commit_callbacks
):
    from search.services import search_sync_paused

    section = factories.section(home_page, title="课", slug="lessons")
    with search_sync_paused(), django_capture_on_commit_callbacks(execute=True):
        factories.lesson(section)
    assert search_tasks_run == []
    with django_capture_on_commit_callbacks(execute=True):
        factories.lesson(section)
    assert search_tasks_run == ["search.tasks.search_pages_sync_task"]
