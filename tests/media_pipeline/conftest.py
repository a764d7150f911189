"""Fixtures of the media pipeline: a small ladder, generated clips, an S3 server."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.files.base import File

from bench.common import free_port
from media_pipeline.clips import spherical_metadata_add
from tests import factories


@pytest.fixture(autouse=True)
def _media_settings(small_ladder, settings, tmp_path):
    settings.MEDIA_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_WORK_DIR = tmp_path / "work"
    settings.MEDIA_RETRY_BACKOFF = 1


class Clips:
    """Tiny real media files, generated once per test session."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _cached(self, name: str, make) -> Path:
        path = self.folder / name
        if not path.exists():
            make(path)
        return path

    def video(
        self, *, seconds: float = 1.0, size: str = "320x180", audio: bool = True
    ) -> Path:
        name = f"v-{seconds}-{size}-{int(audio)}.mp4"
        return self._cached(
            name,
            lambda p: factories.make_clip(p, seconds=seconds, size=size, audio=audio),
        )

    def audio(self, *, seconds: float = 1.0) -> Path:
        return self._cached(
            f"a-{seconds}.m4a",
            lambda p: _ffmpeg(
                "-f",
                "lavfi",
                "-i",
                f"sine=frequency=330:duration={seconds}",
                "-c:a",
                "aac",
                str(p),
            ),
        )

    def rotated(self) -> Path:
        return self._cached(
            "rotated.mp4",
            lambda p: _ffmpeg(
                "-i",
                str(self.video(seconds=1.0)),
                "-c",
                "copy",
                "-metadata:s:v:0",
                "rotate=90",
                str(p),
            ),
        )

    def spherical(self) -> Path:
        """An equirectangular 360° clip: Spherical Video V2 boxes added to the MP4."""

        def make(path: Path) -> None:
            path.write_bytes(
                spherical_metadata_add(self.video(seconds=1.0).read_bytes())
            )

        return self._cached("spherical.mp4", make)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Clips:
    import shutil

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    return Clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture
def asset_from(ffmpeg_binaries, db):
    """Store a file as a new asset in status ``uploaded`` (nothing queued)."""
    from media_pipeline.models import VideoAsset

    def make(path: Path, *, title: str = "素材", uploaded_by=None) -> VideoAsset:
        asset = VideoAsset(
            title=title, uploaded_by=uploaded_by, size=path.stat().st_size
        )
        with open(path, "rb") as handle:
            asset.file.save("original", File(handle), save=False)
        asset.save()
        return asset

    return make


@pytest.fixture
def ready_asset(asset_from, clips):
    from media_pipeline.services import video_asset_process

    asset = asset_from(clips.video(seconds=1.0))
    return video_asset_process(asset_id=asset.pk)


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server over loopback for the session; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_storage(settings, s3_server):
    """Route STORAGES' default to a fresh bucket on the moto server."""
    import uuid

    import boto3

    bucket = f"dangke-{uuid.uuid4().hex[:12]}"
    credentials = {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "region_name": "us-east-1",
    }
    client = boto3.client("s3", endpoint_url=s3_server, **credentials)
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield client, bucket
