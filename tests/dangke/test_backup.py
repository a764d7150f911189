"""Backups that restore (issue 12, B5): ``make backup`` of a PostgreSQL database and
the media storage, ``make restore`` into an empty database and an empty folder, and
the restored site serves the same counts, the same member archive and the same
lesson playback (playlists and segment bytes)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.conf import settings
from django.core.files.base import File
from django.db import connection
from django.utils import timezone

from bench.common import gunicorn_start, gunicorn_wait
from dangke.backup import BackupError, backup_restore
from tests import factories
from tests.services import postgres_only

pytestmark = [pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _url(config: dict, name: str) -> str:
    auth = config["USER"] + (f":{config['PASSWORD']}" if config["PASSWORD"] else "")
    return f"postgres://{auth}@{config['HOST'] or '127.0.0.1'}:{config['PORT'] or 5432}/{name}"


def _admin(config: dict, sql: str) -> None:
    import psycopg

    with psycopg.connect(_url(config, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def _counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def _make(target: str, env: dict, **variables: str) -> str:
    completed = subprocess.run(
        ["make", "--no-print-directory", target]
        + [f"{key}={value}" for key, value in variables.items()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def _uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def _unsigned(playlist: str) -> str:
    """A playlist without what differs between servers and moments: the host and
    the signatures (with their expiry)."""
    return re.sub(r"\?[^\s\"]*", "", re.sub(r"https?://[^/\s\"]+", "", playlist))


def _play(get, lesson_id: int) -> tuple[str, str, bytes]:
    """The lesson's master playlist, first variant playlist (unsigned) and its
    first segment's bytes, fetched the way a player does."""
    video = json.loads(get(f"/api/v3/pages/{lesson_id}/"))["video"]
    master = get(video["master_url"])
    variant_url = urljoin(video["master_url"], _uris(master)[0])
    variant = get(variant_url)
    segment = get(urljoin(variant_url, _uris(variant)[0]), raw=True)
    assert segment[:1] == b"\x47"  # MPEG-TS
    return _unsigned(master), _unsigned(variant), segment


@pytest.fixture
def demo(section, member, member_user, tmp_path, settings):
    """A lesson with a ready video in a course, and a member who completed it."""
    postgres_only("backup and restore are tested on PostgreSQL", ci_fails=True)
    from learning.models import CourseCompletion, Enrolment, LessonProgress
    from media_pipeline.models import VideoAsset
    from media_pipeline.services import video_asset_process

    settings.MEDIA_LADDER = [(120, 150)]
    settings.MEDIA_X264_PRESET = "ultrafast"
    clip = factories.make_clip(tmp_path / "clip.mp4", seconds=1.0)
    asset = VideoAsset(title="党史第一课", size=clip.stat().st_size)
    with open(clip, "rb") as handle:
        asset.file.save("original", File(handle), save=False)
    asset.save()
    asset = video_asset_process(asset_id=asset.pk)
    assert asset.status == VideoAsset.Status.READY, asset.error
    lesson = factories.lesson(section, title="党史第一课", video=asset, duration=1)
    course = factories.course(
        section, title="党史课程", lessons=[lesson], category="elective"
    )
    now = timezone.now()
    LessonProgress.objects.create(
        member=member,
        lesson=lesson,
        intervals=[[0.0, 1.0]],
        watched_seconds=1.0,
        duration=1,
        position=1.0,
        completed_at=now,
        completed_via=LessonProgress.Via.ONLINE,
    )
    CourseCompletion.objects.create(member=member, course=course, completed_at=now)
    Enrolment.objects.create(member=member, course=course)
    return lesson, member_user


class Site:
    """The project served by gunicorn (one worker) with ``env``, fetched like a
    player or an app: ``get(url)`` answers the body of a 200."""

    def __init__(self, env: dict, token: str):
        self.server, self.port = gunicorn_start(env=env, log_level="error")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def wait(self) -> Site:
        gunicorn_wait(self.server, self.port)
        return self

    def get(self, url: str, raw: bool = False):
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        answer = self.session.get(f"http://127.0.0.1:{self.port}{path}", timeout=30)
        assert answer.status_code == 200, (url, answer.status_code)
        return answer.content if raw else answer.text

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)


def test_make_backup_and_restore_give_the_same_site(demo, tmp_path, token_for):
    lesson, user = demo
    token = token_for(user)
    config = connection.settings_dict
    source_url = _url(config, config["NAME"])
    restored_name = f"{config['NAME'].removeprefix('test_')}_r{uuid.uuid4().hex[:8]}"
    restored_url = _url(config, restored_name)
    restored_media = tmp_path / "restored-media"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
        "DATABASE_URL": source_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DANGKE_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "memory://",
        "SECRET_KEY": settings.SECRET_KEY,  # API token digests depend on it
    }

    # The original site starts while the backup runs (both read, neither writes).
    original = Site(env, token)
    sites = [original]
    restored_made = False
    try:
        started = time.monotonic()
        out = _make("backup", env, BACKUP_DIR=str(tmp_path / "backups"))
        backed_up = time.monotonic() - started
        folder = Path(out.strip().splitlines()[-1])
        manifest = json.loads((folder / "manifest.json").read_text())
        counts = _counts(source_url)
        assert manifest["database"]["tables"] == counts
        assert manifest["media"]["files"] >= 5  # original, playlists, segments, …

        original.wait()
        archive = json.loads(original.get("/api/v3/learning/archive"))
        assert "党史课程" in json.dumps(archive, ensure_ascii=False)
        playback = _play(original.get, lesson.pk)
        original.stop()
        sites.remove(original)

        _admin(config, f'CREATE DATABASE "{restored_name}"')
        restored_made = True
        started = time.monotonic()
        _make(
            "restore",
            env,
            BACKUP=str(folder),
            RESTORE_DATABASE_URL=restored_url,
            RESTORE_MEDIA_ROOT=str(restored_media),
        )
        restored_in = time.monotonic() - started
        assert _counts(restored_url) == counts
        # Restoring again into the now full targets is refused, changing nothing.
        with pytest.raises(BackupError, match="不是空的"):
            backup_restore(
                source=folder, database_url=restored_url, media_root=restored_media
            )

        # The restored site, from the restored database and storage only.
        shutil.rmtree(settings.MEDIA_ROOT)
        restored = Site(
            {**env, "DATABASE_URL": restored_url, "MEDIA_ROOT": str(restored_media)},
            token,
        )
        sites.append(restored)
        restored.wait()
        assert json.loads(restored.get("/api/v3/learning/archive")) == archive
        assert _play(restored.get, lesson.pk) == playback
    finally:
        for site in sites:
            site.stop()
        if restored_made:
            _admin(config, f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    print(
        f"\nbackup {backed_up:.1f} s, restore {restored_in:.1f} s, "
        f"{len(counts)} tables, {sum(counts.values())} rows, "
        f"{manifest['media']['files']} media files"
    )
