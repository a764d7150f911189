"""Recordings become lessons: nginx-rtmp's FLV of a lecture (made here by real
ffmpeg, as ``record`` writes it) goes through the media pipeline into a playable
draft micro-lesson linked to the lecture; a member who missed the lecture makes it
up (补学) by completing that lesson."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from broadcasts import recordings
from broadcasts.models import LiveLecture, LivePresence
from broadcasts.services import callback_secret
from learning.models import LessonProgress
from media_pipeline.models import VideoAsset
from notices.models import Notice
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def record_dir(settings, tmp_path):
    settings.BROADCASTS_RECORD_DIR = tmp_path / "recordings"
    settings.BROADCASTS_RECORD_DIR.mkdir()
    return settings.BROADCASTS_RECORD_DIR


def flv_recording(path, seconds=2):
    """An FLV as nginx-rtmp's ``record all`` writes it: H.264 + AAC."""
    subprocess.run(
        [
            settings.FFMPEG_BINARY,
            "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size=160x120:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", "-f", "flv", str(path),
        ],
        check=True,
        timeout=120,
    )  # fmt: skip
    return path


@pytest.fixture
def lecture(tree, editor):
    return LiveLecture.objects.create(
        title="灯塔大课堂：新时代党的建设",
        description="每月一讲",
        organisation=tree["sub1"],
        starts_at=timezone.now() - timedelta(hours=2),
        status=LiveLecture.Status.ENDED,
        ended_at=timezone.now() - timedelta(hours=1),
        created_by=editor,
    )


@pytest.mark.slow
def test_a_recording_becomes_a_playable_draft_lesson(
    ffmpeg_binaries,
    small_ladder,
    record_dir,
    lecture,
    section,
    editor,
    django_capture_on_commit_callbacks,
):
    lecture.published_stream = lecture.stream_key
    lecture.save(update_fields=["published_stream"])
    flv = flv_recording(record_dir / f"{lecture.stream_key}-1.flv")
    # nginx-rtmp's on_record_done, as it sends it, queues the way to a lesson.
    with django_capture_on_commit_callbacks(execute=True):
        answer = record_done(lecture.stream_key, flv)
    assert answer.status_code == 200, answer.content
    lecture.refresh_from_db()
    lesson_id = lecture.recording_lesson_id
    assert lesson_id
    lesson = lecture.recording_lesson
    assert lesson.live is False and lesson.get_parent().specific == section
    assert lesson.title == "灯塔大课堂：新时代党的建设（直播回放）"
    asset = VideoAsset.objects.get(pk=lecture.recording_asset_id)
    assert lesson.video_id == asset.pk
    assert asset.status == VideoAsset.Status.READY, asset.error
    assert asset.is_playable
    master = asset.version_prefix(asset.published_version) + "master.m3u8"
    assert default_storage.exists(master)
    probed = subprocess.run(
        [settings.FFPROBE_BINARY, "-v", "error", "-protocol_whitelist", "file",
         "-show_entries", "format=duration", "-of", "csv=p=0",
         default_storage.path(master)],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert float(probed.stdout.strip()) >= 1.5
    assert Notice.objects.filter(recipient=editor, title__contains="录像").exists()

    # Run twice (a retried task, a second callback): the same lesson, no new asset.
    again = recordings.recording_to_lesson.delay(lecture.pk, str(flv)).get()
    assert again == lesson_id and VideoAsset.objects.count() == 1


def record_done(stream, path, secret=None):
    return Client(REMOTE_ADDR="127.0.0.1").post(
        f"/api/v3/broadcasts/rtmp/record-done?secret={secret or callback_secret()}",
        {"call": "record_done", "name": stream, "path": str(path), "app": "live"},
    )


def test_a_record_done_callback_names_a_lecture_and_a_recording(record_dir, lecture):
    flv = record_dir / f"{lecture.stream_key}-1.flv"
    flv.write_bytes(b"FLV")
    refused = record_done(lecture.stream_key, flv, secret="wrong")
    assert refused.status_code == 403
    # Never published on that stream: no lecture to attach it to.
    unknown = record_done(lecture.stream_key, flv)
    assert unknown.status_code == 404 and unknown.json()["code"] == "lecture_not_found"
    lecture.published_stream = lecture.stream_key
    lecture.save(update_fields=["published_stream"])
    outside = record_done(lecture.stream_key, record_dir.parent / "x.flv")
    assert outside.status_code == 400
    assert outside.json()["code"] == "recording_outside"
    lecture.refresh_from_db()
    assert lecture.recording_lesson_id is None and not VideoAsset.objects.exists()


def test_the_latest_recording_of_the_stream_is_found(record_dir, lecture):
    assert recordings.recording_latest(lecture=lecture) is None
    older = record_dir / f"{lecture.stream_key}-100.flv"
    newer = record_dir / f"{lecture.stream_key}-200.flv"
    other = record_dir / "someoneelse-300.flv"
    for index, path in enumerate((older, newer, other)):
        path.write_bytes(b"FLV")
        os.utime(path, (1000 + index, 1000 + index))
    assert recordings.recording_latest(lecture=lecture) == newer


@pytest.mark.parametrize(
    "name, code",
    [("../elsewhere.flv", "recording_outside"), ("notes.txt", "recording_format")],
)
def test_a_path_outside_the_recordings_or_of_another_kind_is_refused(
    record_dir, lecture, name, code
):
    path = record_dir / name
    path.write_bytes(b"not a video")
    with pytest.raises(recordings.RecordingRefused) as refused:
        recordings.recording_lesson_create(lecture_id=lecture.pk, path=path)
    assert refused.value.code == code
    assert recordings.recording_to_lesson.delay(lecture.pk, str(path)).get() is None
    lecture.refresh_from_db()
    assert lecture.recording_lesson_id is None and not VideoAsset.objects.exists()


@pytest.mark.slow
def test_a_broken_recording_is_refused_with_ffmpegs_reason(
    ffmpeg_binaries, record_dir, lecture
):
    path = record_dir / "broken.flv"
    path.write_bytes(b"FLV\x01" + b"\x00" * 100)
    with pytest.raises(recordings.RecordingRefused) as refused:
        recordings.recording_lesson_create(lecture_id=lecture.pk, path=path)
    assert refused.value.code == "recording_unreadable"
    assert not VideoAsset.objects.exists()


def test_missing_members_make_it_up_with_the_recording(lecture, section, tree):
    lesson = factories.lesson(section, title="回放")
    LiveLecture.objects.filter(pk=lecture.pk).update(recording_lesson=lesson)
    lecture.refresh_from_db()
    missed = factories.member(organisation=tree["branch1"], username="missed")
    present = factories.member(organisation=tree["branch1"], username="present")
    before = factories.member(organisation=tree["branch1"], username="before")
    now = timezone.now()
    LivePresence.objects.create(
        member=present,
        lecture=lecture,
        first_seen=lecture.starts_at,
        last_seen=lecture.starts_at,
        attended=True,
    )
    for member, done in (
        (missed, now),
        (present, now),
        (before, lecture.starts_at - timedelta(days=1)),
    ):
        LessonProgress.objects.create(member=member, lesson=lesson, completed_at=done)
    assert recordings.lecture_makeups(lecture=lecture) == {missed.pk: now}
    assert recordings.lecture_makeup_of(member=missed, lecture=lecture) == now
    assert recordings.lecture_makeup_of(member=present, lecture=lecture) is None
    assert recordings.lecture_makeup_of(member=before, lecture=lecture) is None
