"""The ladder's rungs: never above the source, never needlessly below it."""

from __future__ import annotations

import pytest

from media_pipeline.models import VideoAsset
from media_pipeline.services import video_asset_process
from media_pipeline.transcode import ladder_heights

LADDER = [(240, 400), (480, 1000), (720, 2500), (1080, 5000)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (360, [(240, 400), (360, 700)]),  # the 640×360 upload
        (480, [(240, 400), (480, 1000)]),  # exactly a rung: nothing added
        (492, [(240, 400), (480, 1000)]),  # the rung below is near enough
        (1000, [(240, 400), (480, 1000), (720, 2500), (1000, 4444)]),
        (2160, LADDER),  # above the top rung: the ladder's ceiling holds
        (181, [(180, 400)]),  # below the lowest rung: its own (even) height
    ],
)
def test_ladder_keeps_a_rung_at_the_source_height(source, expected):
    assert ladder_heights(LADDER, source) == expected


@pytest.mark.slow
@pytest.mark.django_db
def test_a_source_between_rungs_keeps_its_own_height(
    small_ladder, settings, asset_from, clips
):
    settings.MEDIA_LADDER = [(120, 150), (240, 400)]
    asset = video_asset_process(asset_id=asset_from(clips.video(size="320x180")).pk)
    assert asset.status == VideoAsset.Status.READY
    rows = asset.renditions.filter(kind="video").order_by("height")
    assert list(rows.values_list("name", "height", "width")) == [
        ("120p", 120, 214),
        ("180p", 180, 320),
    ]
    # 180 lies halfway between 120:150 and 240:400: 275 kbit/s of video.
    low, own = (row.bandwidth for row in rows)
    assert own - low == int((275 - 150) * 1.2 * 1000)
