"""`manage.py load_demo` builds the demo content, and running it again changes nothing."""

from __future__ import annotations

import io
import shutil

import pytest
from celery.signals import task_prerun
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from wagtail.images.models import Image
from wagtail.models import Page, Revision, Site

from cms import demo_data, demo_media
from cms.covers import page_cover
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
from media_pipeline.probe import probe_file
from media_pipeline.services.subtitles import subtitle_to_webvtt
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
        "images": Image.objects.count(),
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
    transactional_db, ffmpeg_binaries, client, search_tasks_run, tiny_demo_media
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
    # Every lesson has a real generated video, with its subtitles.
    for lesson in MicroLessonPage.objects.live():
        assert lesson.video is not None
        assert lesson.video.size > 1000
        assert len(lesson.video.checksum) == 64
        assert lesson.video.subtitles.count() == 1
        assert lesson.duration > 0
    # Topics and courses have drawn covers; the lessons show their posters.
    for page in [*TopicPage.objects.all(), *CoursePage.objects.all()]:
        assert page.cover is not None and page_cover(page=page).kind == "image"
    assert {page_cover(page=p).kind for p in MicroLessonPage.objects.live()} == {
        "poster"
    }
    vr = VRCoursewarePage.objects.get(slug="vr-third-congress")
    assert vr.video.projection == "equirectangular"
    assert vr.video.status == "ready"
    kept = sorted(tiny_demo_media.iterdir())
    assert len([p for p in kept if p.suffix == ".mp4"]) == 13

    load_demo()
    assert snapshot() == first
    assert sorted(tiny_demo_media.iterdir()) == kept  # nothing generated again

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


def test_demo_covers_are_drawn_once_per_topic_and_course(db):
    from cms.demo import demo_content_load, demo_covers_attach

    demo_content_load(with_media=False)
    expected = len(demo_data.COURSES) + len(demo_data.TOPICS)
    assert demo_covers_attach() == expected
    images = Image.objects.count()
    revisions = Revision.objects.count()
    assert images == expected
    course = CoursePage.objects.get(slug=demo_data.COURSES[0][0])
    assert course.cover.title == f"封面：{course.title}"
    assert (course.cover.width, course.cover.height) == demo_media.COVER_SIZE
    assert course.cover.description.startswith(f"课程《{course.title}》")
    # published with the page: the live API shows it
    assert course.live and not course.has_unpublished_changes
    # a second run adds nothing
    assert demo_covers_attach() == 0
    assert (Image.objects.count(), Revision.objects.count()) == (images, revisions)


def test_a_demo_cover_is_the_same_picture_every_time():
    from PIL import Image as Picture

    first = demo_media.cover_draw(title="党史学习教育", label="专题")
    assert first == demo_media.cover_draw(title="党史学习教育", label="专题")
    assert first != demo_media.cover_draw(title="党史学习教育必修课", label="课程")
    picture = Picture.open(io.BytesIO(first))
    assert (picture.format, picture.size) == ("JPEG", demo_media.COVER_SIZE)
    # the title is drawn: the lower half has white text pixels on the red
    lower = picture.crop((0, 360, 1280, 680)).convert("L")
    darkest, brightest = lower.getextrema()
    assert brightest > 240 and darkest < 120


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


@pytest.fixture
def tiny_demo_media(settings, tmp_path, monkeypatch):
    """The demo's clips at 160×90 and brief, kept in the test's own var/."""
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(demo_media, "FULL_SIZE", demo_media.TINY_SIZE)
    return tmp_path / "var" / "demo-media"


def _streams(path):
    result = probe_file(path)
    return result.video, result.audio, result


def test_a_lesson_clip_is_voiced_with_matching_subtitles_and_kept(
    ffmpeg_binaries, tmp_path
):
    clip = demo_media.lesson_clip_ensure(
        title="党课",
        byline="主讲 陈明华",
        summary="学习党史。",
        paragraphs=["不忘初心。牢记使命！"],
        sizes=demo_media.ClipSizes(lesson=(160, 90), panorama=(160, 80)),
        cache_dir=tmp_path,
    )
    video, audio, probed = _streams(clip.path)
    assert (video["width"], video["height"]) == (160, 90) and audio is not None
    assert [cue.text for cue in clip.cues] == [
        "党课。",
        "学习党史。",
        "不忘初心。",
        "牢记使命！",
    ]
    # the cues follow each other, each as long as its sentence is spoken
    for before, after in zip(clip.cues, clip.cues[1:], strict=False):
        assert before.end <= after.start
    assert all(cue.end - cue.start >= 0.3 for cue in clip.cues)
    assert clip.cues[-1].end < probed.duration <= clip.seconds + 0.5
    assert clip.webvtt == subtitle_to_webvtt(clip.webvtt.encode())
    assert clip.voiced == (shutil.which("espeak-ng") is not None)

    made = clip.path.stat().st_mtime_ns
    again = demo_media.lesson_clip_ensure(
        title="党课",
        byline="主讲 陈明华",
        summary="学习党史。",
        paragraphs=["不忘初心。牢记使命！"],
        sizes=demo_media.ClipSizes(lesson=(160, 90), panorama=(160, 80)),
        cache_dir=tmp_path,
    )
    assert again.path == clip.path and again.path.stat().st_mtime_ns == made
    assert again.webvtt == clip.webvtt


def test_without_espeak_the_clip_is_silent_and_its_cues_keep_a_reading_pace(
    ffmpeg_binaries, tmp_path, monkeypatch
):
    monkeypatch.setattr(demo_media, "espeak_binary", lambda: None)
    clip = demo_media.lesson_clip_ensure(
        title="党课",
        byline="主讲 陈明华",
        summary="学习党史，坚定理想信念。",
        paragraphs=[],
        sizes=demo_media.TINY_SIZE,
        cache_dir=tmp_path,
    )
    assert clip.voiced is False
    assert [cue.text for cue in clip.cues] == ["党课。"]
    assert clip.cues[0].end - clip.cues[0].start == pytest.approx(1.0)
    assert _streams(clip.path)[1] is not None  # a silent track still plays


def test_without_the_font_the_demo_names_the_package(db, monkeypatch, tmp_path):
    monkeypatch.setattr(demo_media, "FONT_FILES", ((str(tmp_path / "none.ttc"), 2),))
    with pytest.raises(demo_media.DemoMediaUnavailable, match="fonts-noto-cjk"):
        demo_media.lesson_clip_ensure(
            title="党课", byline="", summary="", paragraphs=[], cache_dir=tmp_path
        )
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_vr_room_is_an_equirectangular_clip_the_probe_recognises(
    ffmpeg_binaries, tmp_path
):
    item = demo_data.VR_COURSEWARE[0]
    clip = demo_media.panorama_clip_ensure(
        walls=item["panorama"],
        narration=item["narration"],
        sizes=demo_media.TINY_SIZE,
        cache_dir=tmp_path,
    )
    video, audio, probed = _streams(clip.path)
    assert probed.projection == "equirectangular"
    assert (video["width"], video["height"]) == (160, 80)
    assert [cue.text for cue in clip.cues] == [item["narration"][0]]


def test_every_demo_lesson_has_a_script_of_one_to_three_minutes():
    """At the clips' pace (espeak-ng's Mandarin at 150 words a minute, with the
    pauses: about 1.9 characters a second), each lesson's title, summary and script
    make a clip of one to three minutes."""
    for slug, title, _lecturer, summary, _tags in demo_data.LESSONS:
        text = title + summary + "".join(demo_data.LESSON_SCRIPTS[slug])
        assert 60 <= len(text) / 1.9 <= 180, slug


def test_the_banner_points_at_pages_that_answer(db, client):
    import re

    from cms.demo import demo_content_load

    demo_content_load(with_media=False)
    out = io.StringIO()
    call_command("demo_banner", "--base-url", "http://testserver", stdout=out)
    banner = out.getvalue()
    assert "dangke.log" in banner
    for label in ("a lesson", "360° VR"):
        (line,) = [x for x in banner.splitlines() if x.strip().startswith(label)]
        (path,) = re.findall(r"http://testserver(/\S+)", line)
        assert client.get(path).status_code == 200, line
