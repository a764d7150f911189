"""Transcode and publish: the ladder, audio-only, progress, versions, retries."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from media_pipeline import storage as media_storage
from media_pipeline.models import Rendition, VideoAsset
from media_pipeline.probe import probe_file
from media_pipeline.services import (
    LeaseHeld,
    video_asset_process,
    video_asset_reprocess,
    video_asset_transcode,
)
from media_pipeline.services.processing import _lease_acquire
from media_pipeline.tasks import video_asset_transcode_task
from media_pipeline.transcode import (
    build_command,
    out_dir_prepare,
    plan_ladder,
    run_ffmpeg,
)
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _read(asset: VideoAsset, relative: str) -> str:
    key = (
        f"{media_storage.version_prefix(asset.pk, asset.published_version)}/{relative}"
    )
    with default_storage.open(key, "rb") as handle:
        return handle.read().decode()


def test_ladder_master_poster_sprite(ready_asset):
    asset = ready_asset
    assert asset.status == VideoAsset.Status.READY and asset.progress == 100
    names = sorted(asset.renditions.values_list("name", flat=True))
    assert names == ["120p", "180p", "audio"]
    master = _read(asset, "master.m3u8")
    assert 'RESOLUTION=320x180,CODECS="avc1.4d401e,mp4a.40.2"' in master
    assert "RESOLUTION=214x120" in master
    assert re.search(r'BANDWIDTH=\d+,CODECS="mp4a.40.2"\naudio/index.m3u8', master)
    for name in names:
        assert "#EXT-X-ENDLIST" in _read(asset, f"{name}/index.m3u8")
    prefix = media_storage.version_prefix(asset.pk, asset.published_version)
    assert default_storage.size(f"{prefix}/poster.jpg") > 0
    assert default_storage.size(f"{prefix}/sprite.jpg") > 0
    assert "sprite.jpg#xywh=0,0,160,90" in _read(asset, "thumbnails.vtt")


def test_never_above_source_height(asset_from, clips):
    asset = video_asset_process(asset_id=asset_from(clips.video(size="160x120")).pk)
    assert list(
        asset.renditions.filter(kind="video").values_list("height", flat=True)
    ) == [120]
    tiny = video_asset_process(asset_id=asset_from(clips.video(size="96x64")).pk)
    assert list(
        tiny.renditions.filter(kind="video").values_list("height", "width")
    ) == [(64, 96)]


def test_audio_only_source_gets_audio_renditions_only(asset_from, clips):
    asset = video_asset_process(asset_id=asset_from(clips.audio()).pk)
    assert asset.status == VideoAsset.Status.READY
    assert set(asset.renditions.values_list("kind", flat=True)) == {"audio"}
    assert "RESOLUTION" not in _read(asset, "master.m3u8")


def test_keyframes_aligned_in_six_second_segments(asset_from, clips):
    asset = video_asset_process(
        asset_id=asset_from(clips.video(seconds=13.0, size="160x120")).pk
    )
    durations = {
        name: re.findall(r"#EXTINF:([\d.]+)", _read(asset, f"{name}/index.m3u8"))
        for name in ("120p",)
    }
    assert [round(float(d)) for d in durations["120p"]] == [6, 6, 1]


def test_progress_is_reported_while_running(clips, tmp_path):
    source = clips.video(seconds=6.0, size="160x120")
    result = probe_file(source)
    plan = plan_ladder(result)
    out_dir_prepare(plan, tmp_path)
    seen: list[int] = []
    ticks: list[bool] = []
    args = build_command(
        source=source, demuxer=result.demuxer, plan=plan, out_dir=tmp_path
    )
    # ffmpeg writes -progress every 0.5 s of wall clock by default; a fast machine
    # encodes this clip in less. Report every 10 ms, so the test never depends on
    # the machine's speed.
    args[1:1] = ["-stats_period", "0.01"]
    run_ffmpeg(
        args,
        duration=result.duration,
        on_progress=lambda percent: seen.append(percent) or True,
        on_tick=lambda: ticks.append(True),
    )
    assert seen == sorted(seen) and 0 < max(seen) <= 99
    # Reports start at once: no output of the run (poster, thumbnails) holds
    # ffmpeg's first report back until the end, as a sprite tiled in the run did.
    assert len(seen) >= 2 and min(seen) < 50
    assert len(ticks) >= len(seen)


def test_reprocess_publishes_a_new_version_and_removes_the_old(
    ready_asset, django_capture_on_commit_callbacks
):
    first = ready_asset.published_version
    with django_capture_on_commit_callbacks(execute=True):
        video_asset_reprocess(asset=ready_asset)  # eager: runs on commit
    asset = VideoAsset.objects.get(pk=ready_asset.pk)
    assert asset.status == VideoAsset.Status.READY
    assert asset.published_version == first + 1
    assert media_storage.stored_versions(asset.pk) == [asset.published_version]
    assert set(
        Rendition.objects.filter(asset=asset).values_list("version", flat=True)
    ) == {asset.published_version}


def test_failed_rerun_keeps_previous_version_playing(
    ready_asset, django_capture_on_commit_callbacks
):
    published = ready_asset.published_version
    default_storage.delete(ready_asset.file.name)
    default_storage.save(ready_asset.file.name, ContentFile(b"not a video at all"))
    with django_capture_on_commit_callbacks(execute=True):
        video_asset_reprocess(asset=ready_asset)
    asset = VideoAsset.objects.get(pk=ready_asset.pk)
    assert asset.status == VideoAsset.Status.FAILED
    assert asset.published_version == published
    assert media_storage.stored_versions(asset.pk) == [published]
    assert asset.renditions.count() == 3


def test_partial_prefix_of_an_interrupted_run_is_removed(asset_from, clips):
    asset = asset_from(clips.video())
    default_storage.save(f"assets/{asset.pk}/7/120p/seg_00000.ts", ContentFile(b"x"))
    asset = video_asset_process(asset_id=asset.pk)
    assert media_storage.stored_versions(asset.pk) == [asset.published_version]


def test_transient_failures_retry_then_fail(asset_from, clips, settings, _celery_eager):
    settings.FFMPEG_BINARY = "/nonexistent/ffmpeg"
    _celery_eager.conf.task_eager_propagates = False  # let eager retries run
    asset = asset_from(clips.video())
    # Eager: each retry runs at once (the countdown is the worker's business).
    video_asset_transcode_task.delay(asset.pk)
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.FAILED
    assert asset.attempts == settings.MEDIA_MAX_ATTEMPTS
    assert f"已尝试 {settings.MEDIA_MAX_ATTEMPTS} 次" in asset.error
    assert media_storage.stored_versions(asset.pk) == []


def test_a_held_lease_stops_a_second_run(asset_from, clips):
    asset = asset_from(clips.video())
    _lease_acquire(asset.pk)
    with pytest.raises(LeaseHeld):
        video_asset_transcode(asset_id=asset.pk)
    assert video_asset_transcode_task.delay(asset.pk).get() is None
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.UPLOADED and asset.attempts == 0


def test_running_twice_is_harmless(ready_asset):
    again = video_asset_transcode(asset_id=ready_asset.pk)
    assert again.published_version == ready_asset.published_version
    assert again.renditions.count() == 3


def test_ready_asset_fills_lesson_duration(
    asset_from, clips, section, django_capture_on_commit_callbacks
):
    # cms fills the durations when it receives ``video_asset_published`` (sent on
    # commit); this end-to-end check stays here until it moves to tests/cms.
    from cms.models import MicroLessonPage
    from tests import factories

    asset = asset_from(clips.video(seconds=2.0))
    lesson = factories.lesson(section, video=asset)
    kept = factories.lesson(section, video=asset, duration=99)
    with django_capture_on_commit_callbacks(execute=True):
        video_asset_process(asset_id=asset.pk)
    assert MicroLessonPage.objects.get(pk=lesson.pk).duration == 2
    assert MicroLessonPage.objects.get(pk=kept.pk).duration == 99
    lesson.refresh_from_db()
    assert lesson.latest_revision.content["duration"] == 2


def test_upload_through_service_is_processed_on_commit(
    clips, db, ffmpeg_binaries, django_capture_on_commit_callbacks
):
    from django.core.files import File

    from media_pipeline.services import video_asset_create

    with (
        django_capture_on_commit_callbacks(execute=True),
        open(clips.video(), "rb") as handle,
    ):
        asset = video_asset_create(
            file=File(handle, name="课.mp4"), title="课", uploaded_by=None
        )
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.READY


def test_a_lease_released_between_take_and_look_is_retried_shortly(monkeypatch):
    """Two deliveries of one task: the take finds the lease held, and by the time
    the run looks at its expiry the holder has released it (no expiry)."""
    from django.db.models import QuerySet

    asset = factories.video_asset(title="重复投递")
    real_update = QuerySet.update

    def held_then_released(self, **fields):
        if fields.get("lease_token"):  # the take: the other run still holds it
            return 0
        return real_update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", held_then_released)
    with pytest.raises(LeaseHeld) as raised:
        _lease_acquire(asset.pk)
    assert raised.value.retry_after == 1.0
