"""One processing run: ffprobe once, probe chains transcode, publish signals on commit,
and a replaced original goes through the same service."""

from __future__ import annotations

import hashlib

import pytest

from media_pipeline import probe as media_probe
from media_pipeline.models import VideoAsset
from media_pipeline.services import (
    video_asset_enqueue,
    video_asset_probe,
    video_asset_process,
)
from media_pipeline.signals import video_asset_published
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def ffprobe_runs(monkeypatch) -> list[str]:
    """Count real ffprobe runs (the real one still runs)."""
    runs: list[str] = []
    real = media_probe.run_ffprobe

    def counting(path, demuxer):
        runs.append(str(path))
        return real(path, demuxer)

    monkeypatch.setattr(media_probe, "run_ffprobe", counting)
    return runs


def test_one_processing_run_probes_once(asset_from, clips, ffprobe_runs):
    asset = video_asset_process(asset_id=asset_from(clips.video()).pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    assert len(ffprobe_runs) == 1


def test_the_queued_tasks_probe_once_and_chain_to_the_transcode(
    asset_from, clips, ffprobe_runs, django_capture_on_commit_callbacks
):
    asset = asset_from(clips.video())
    with django_capture_on_commit_callbacks(execute=True):
        video_asset_enqueue(asset_id=asset.pk)  # eager tasks run on commit
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.READY, asset.error
    assert len(ffprobe_runs) == 1


def test_probe_stores_what_it_found_and_queues_the_transcode_after_commit(
    asset_from, clips, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_transcode_task.delay", queued.append
    )
    asset = asset_from(clips.rotated())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        probed = video_asset_probe(asset_id=asset.pk)
    assert probed.status == VideoAsset.Status.PROBED
    assert queued == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    assert queued == [asset.pk]
    stored = VideoAsset.objects.get(pk=asset.pk)
    assert stored.media_info["demuxer"] == "mov"
    assert stored.rotation in (90, 270) and (stored.width, stored.height) == (180, 320)


def test_a_failed_probe_queues_nothing(
    asset_from, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_transcode_task.delay", queued.append
    )
    path = tmp_path / "x.mp4"
    path.write_bytes(b"not a video")
    with django_capture_on_commit_callbacks(execute=True):
        asset = video_asset_probe(asset_id=asset_from(path).pk)
    assert asset.status == VideoAsset.Status.FAILED and queued == []


def test_publishing_sends_the_signal_after_commit(
    asset_from, clips, django_capture_on_commit_callbacks
):
    received: list[tuple[int, str, int | None]] = []

    def receiver(sender, *, asset, **kwargs):
        received.append((asset.pk, asset.status, asset.published_version))

    video_asset_published.connect(receiver)
    try:
        asset = asset_from(clips.video())
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            asset = video_asset_process(asset_id=asset.pk)
        assert received == []  # the transaction has not committed yet
        for callback in callbacks:
            callback()
    finally:
        video_asset_published.disconnect(receiver)
    assert received == [(asset.pk, VideoAsset.Status.READY, asset.published_version)]


def test_a_failing_receiver_does_not_undo_the_publish(
    asset_from, clips, django_capture_on_commit_callbacks
):
    def broken(sender, **kwargs):
        raise RuntimeError("another app's bug")

    video_asset_published.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            asset = video_asset_process(asset_id=asset_from(clips.video()).pk)
    finally:
        video_asset_published.disconnect(broken)
    asset.refresh_from_db()
    assert asset.status == VideoAsset.Status.READY


def test_replacing_the_original_in_the_admin_reprocesses_it(
    client_for, editor, clips, monkeypatch, django_capture_on_commit_callbacks
):
    asset = factories.video_asset(
        title="旧视频", status="ready", published_version=1, error="", progress=100
    )
    queued: list[int] = []
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_probe_task.delay", queued.append
    )
    path = clips.video()
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            f"/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/",
            {"title": "新视频", "file": handle},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset.refresh_from_db()
    assert asset.title == "新视频"
    assert asset.status == VideoAsset.Status.UPLOADED and asset.progress == 0
    assert asset.checksum == hashlib.sha256(path.read_bytes()).hexdigest()
    assert asset.original_filename == path.name
    assert asset.published_version == 1  # keeps playing until the new one is out
    assert queued == [asset.pk]


def test_editing_only_the_title_queues_nothing(
    client_for, editor, monkeypatch, django_capture_on_commit_callbacks
):
    asset = factories.video_asset(title="旧", status="ready", published_version=1)
    queued: list[int] = []
    monkeypatch.setattr(
        "media_pipeline.tasks.video_asset_probe_task.delay", queued.append
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(editor).post(
            f"/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/",
            {"title": "新"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    asset.refresh_from_db()
    assert asset.title == "新" and asset.status == VideoAsset.Status.READY
    assert queued == []
