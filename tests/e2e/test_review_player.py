"""The admin's preview player in a real Chromium: while a re-upload is still being
transcoded, its lecturer opens the video's admin page and plays the preview (the
EVENT playlist of the segments encoded so far); once the run publishes, the same
player moves to the published version.

The browser is driven at the moment the run has finished encoding and starts
storing its renditions (``directory_upload`` is wrapped to look first; the real one
then runs): the asset is still transcoding there and its preview complete.
"""

from __future__ import annotations

import pytest
from django.core.files.base import File

from media_pipeline import storage as media_storage
from media_pipeline.models import VideoAsset
from media_pipeline.services import video_asset_process
from tests.e2e.conftest import screenshot, sign_in

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("small_ladder")]

PLAYER = "document.querySelector('[data-review-player]')"
VIDEO = f"{PLAYER}.querySelector('video')"


def test_lecturer_plays_the_preview_while_transcoding(
    page, ffmpeg_binaries, clips, lecturer_user, monkeypatch
):
    source = clips.video(seconds=8.0)
    asset = VideoAsset(title="重新上传的党课", uploaded_by=lecturer_user)
    with open(source, "rb") as handle:
        asset.file.save("original", File(handle), save=False)
    asset.save()
    asset = video_asset_process(asset_id=asset.pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    # "Process again" without queueing (eager tasks would run it all on commit).
    VideoAsset.objects.filter(pk=asset.pk).update(status="uploaded", attempts=0)
    sign_in(page, lecturer_user.username)
    edit_url = f"{page.base}/admin/snippets/media_pipeline/videoasset/edit/{asset.pk}/"
    played: list[float] = []
    real = media_storage.directory_upload

    def watch_in_chromium(*args, **kwargs):
        assert VideoAsset.objects.get(pk=asset.pk).status == "transcoding"
        page.goto(edit_url)
        assert page.evaluate(f"{PLAYER}.dataset.kind") == "preview"
        page.wait_for_function(f"() => {VIDEO}.readyState >= 2")
        page.evaluate(f"{VIDEO}.play()")
        page.wait_for_function(f"() => {VIDEO}.currentTime >= 1.5")
        played.append(page.evaluate(f"{VIDEO}.currentTime"))
        screenshot(page, "admin-video-preview")
        return real(*args, **kwargs)

    monkeypatch.setattr(media_storage, "directory_upload", watch_in_chromium)
    asset = video_asset_process(asset_id=asset.pk)
    assert played and asset.status == VideoAsset.Status.READY, asset.error
    # The open page notices the publish and moves to the published version.
    page.wait_for_function(
        f"() => {PLAYER}.dataset.kind === 'published'", timeout=20_000
    )
    page.wait_for_function(f"() => {VIDEO}.readyState >= 1")
    # Wagtail's admin asks an outside host for something (the user's avatar, it
    # seems) that a machine reaching nothing outside cannot resolve; that is not
    # the player's. Every other console error or page error is.
    own = [p for p in page.problems if "ERR_NAME_NOT_RESOLVED" not in p]
    assert not own, own
