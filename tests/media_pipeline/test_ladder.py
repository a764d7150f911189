"""The ladder's rungs: never above the source, never needlessly below it; encoded for a
quality target capped at the rung's bitrate; the master's bandwidths measured."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from media_pipeline import storage as media_storage
from media_pipeline.clips import clip_generate
from media_pipeline.models import VideoAsset
from media_pipeline.probe import probe_file
from media_pipeline.services import video_asset_process
from media_pipeline.transcode import (
    build_command,
    ladder_heights,
    out_dir_prepare,
    plan_ladder,
    rendition_bandwidth,
    run_ffmpeg,
)

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
    # 180 lies halfway between 120:150 and 240:400: its peak is capped at 275 kbit/s.
    settings.MEDIA_CRF_CAP_PERCENT = 100
    plan = plan_ladder(probe_file(Path(asset.file.path)))
    assert [r.video_kbps for r in plan.rungs if r.kind == "video"] == [150, 275]
    args = build_command(
        source=Path("in.mp4"), demuxer="mp4", plan=plan, out_dir=Path("/tmp/out")
    )
    assert " ".join(args).count("-maxrate:v:1 275k -bufsize:v:1 550k") == 1


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


@pytest.mark.django_db
def test_rungs_aim_at_a_quality_capped_at_their_ladder_bitrate(
    settings, asset_from, clips
):
    settings.MEDIA_X264_CRF = 26
    settings.MEDIA_CRF_CAP_PERCENT = 80
    plan = plan_ladder(probe_file(clips.video(size="320x180")))
    args = build_command(
        source=Path("in.mp4"), demuxer="mp4", plan=plan, out_dir=Path("/tmp/out")
    )
    # 120:150 and 180:300 (small_ladder), each capped at 80 % of its bitrate.
    assert _option(args, "-crf:v:0") == _option(args, "-crf:v:1") == "26"
    assert [_option(args, f"-maxrate:v:{i}") for i in (0, 1)] == ["120k", "240k"]
    assert [_option(args, f"-bufsize:v:{i}") for i in (0, 1)] == ["240k", "480k"]
    assert "-b:v:0" not in args
    fixed = build_command(
        source=Path("in.mp4"),
        demuxer="mp4",
        plan=replace(plan, rate_control="abr"),
        out_dir=Path("/tmp/out"),
    )
    assert "-crf:v:0" not in fixed
    assert [_option(fixed, f"-b:v:{i}") for i in (0, 1)] == ["150k", "300k"]
    # Keyframes stay aligned across the rungs whatever the rate control.
    for command in (args, fixed):
        assert _option(command, "-force_key_frames") == "expr:gte(t,n_forced*2)"
        assert _option(command, "-sc_threshold") == "0"


@pytest.mark.slow
def test_a_nearly_still_picture_costs_less_than_the_fixed_ladder(settings, tmp_path):
    settings.MEDIA_LADDER = [(180, 400)]
    source = clip_generate(
        tmp_path / "still.mp4",
        seconds=8,
        size="320x180",
        pattern="testsrc",  # a still pattern, a counter and a small moving box
        audio=False,
    )
    probe = probe_file(source)
    sizes = {}
    for rate_control in ("abr", "crf"):
        plan = replace(plan_ladder(probe), rate_control=rate_control)
        out = tmp_path / rate_control
        out_dir_prepare(plan, out)
        run_ffmpeg(
            build_command(
                source=source,
                demuxer=probe.demuxer,
                plan=plan,
                out_dir=out,
                progress=False,
                images=False,
            ),
            duration=probe.duration,
        )
        sizes[rate_control] = sum(p.stat().st_size for p in (out / "180p").glob("*.ts"))
        measured = rendition_bandwidth(out / "180p")
        assert measured.peak >= measured.average > 0
    # ffmpeg 5.1, ultrafast: about half (a fixed ladder spends the rung's bitrate).
    assert sizes["crf"] * 1.5 < sizes["abr"]


def _master_variants(text: str) -> list[tuple[dict[str, str], str]]:
    lines = text.splitlines()
    variants = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(
                re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', line.partition(":")[2])
            )
            variants.append((attributes, lines[index + 1]))
    return variants


@pytest.mark.slow
@pytest.mark.django_db
def test_master_bandwidths_are_measured_from_the_segments(asset_from, clips):
    asset = video_asset_process(
        asset_id=asset_from(clips.video(seconds=13.0, size="320x180")).pk
    )
    prefix = media_storage.version_prefix(asset.pk, asset.published_version)

    def read(path: str) -> str:
        with default_storage.open(f"{prefix}/{path}", "rb") as handle:
            return handle.read().decode()

    variants = _master_variants(read("master.m3u8"))
    assert {playlist for _, playlist in variants} == {
        "120p/index.m3u8",
        "180p/index.m3u8",
        "audio/index.m3u8",
    }
    for attributes, playlist in variants:
        folder = playlist.rpartition("/")[0]
        rates, total_bytes, total_seconds = [], 0, 0.0
        lines = read(playlist).splitlines()
        for index, line in enumerate(lines):
            if line.startswith("#EXTINF:"):
                seconds = float(line[8:].rstrip(","))
                size = default_storage.size(f"{prefix}/{folder}/{lines[index + 1]}")
                rates.append(size * 8 / seconds)
                total_bytes += size
                total_seconds += seconds
        assert len(rates) == 3  # 13 s in 6 s segments
        assert int(attributes["BANDWIDTH"]) == pytest.approx(max(rates), abs=1)
        assert int(attributes["AVERAGE-BANDWIDTH"]) == pytest.approx(
            total_bytes * 8 / total_seconds, abs=1
        )
        row = asset.renditions.get(playlist=playlist)
        assert row.bandwidth == int(attributes["BANDWIDTH"])
