"""Backups of the database and the media storage, and their restore.

``backup_create`` writes one folder, ``<root>/dangke-<UTC timestamp>/``:

- ``database.dump``: ``pg_dump`` in custom format (no owners, no privileges), taken
  from a snapshot exported by a repeatable-read transaction, so the row counts in
  the manifest are those of the dump; on SQLite, ``database.sqlite3`` (SQLite's
  online backup);
- ``media.tar``: every file of the default storage (local folder or S3 bucket), by
  storage key, streamed (never held in memory);
- ``manifest.json``: when, from which server version, with which ``pg_dump``, each
  table's row count, the number and bytes of media files, and each part's SHA-256.

The database is dumped before the storage is read: every file the dump names has
been stored by then (keys are never reused), so a backup taken while the site runs
restores consistently; files stored after the dump come along and are harmless.

``backup_restore`` checks the parts against the manifest, then restores into an
empty PostgreSQL database (``pg_restore`` in one transaction) or a new SQLite file,
and into an empty media folder or S3 bucket; it refuses a target that holds
anything. It then compares every table's row count with the manifest.

``pg_dump``/``pg_restore`` must not be older than the server: the binaries of the
server's major version under ``/usr/lib/postgresql/<major>/bin`` are preferred,
else those on ``PATH`` (``PG_BIN_DIR`` overrides both).

This module imports no app.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections

DUMP = "database.dump"
SQLITE = "database.sqlite3"
MEDIA = "media.tar"
MANIFEST = "manifest.json"
READ_SIZE = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done; ``str(exc)`` says why, in words."""


# --- PostgreSQL --------------------------------------------------------------------


def _libpq_env(config: dict[str, Any]) -> dict[str, str]:
    """The libpq environment for ``config`` (a Django database settings dict), so no
    password appears on a command line."""
    values = {
        "PGHOST": config.get("HOST") or "127.0.0.1",
        "PGPORT": str(config.get("PORT") or 5432),
        "PGUSER": config.get("USER") or "postgres",
        "PGDATABASE": config["NAME"],
    }
    if config.get("PASSWORD"):
        values["PGPASSWORD"] = config["PASSWORD"]
    return {**os.environ, **values}


def _pg_connect(config: dict[str, Any]):
    import psycopg

    try:
        return _pg_open(config)
    except psycopg.OperationalError as exc:
        raise BackupError(
            f"无法连接数据库 {config['NAME']} (cannot connect): {exc}".strip()
        ) from None


def _pg_open(config: dict[str, Any]):
    import psycopg

    return psycopg.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=config.get("PORT") or 5432,
        user=config.get("USER") or "postgres",
        password=config.get("PASSWORD") or None,
        dbname=config["NAME"],
        connect_timeout=10,
        autocommit=True,
    )


def pg_tool(name: str, *, server_major: int) -> str:
    """The ``pg_dump``/``pg_restore`` binary to use with a server of
    ``server_major``; raises ``BackupError`` when only an older one is found."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin") / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        version = subprocess.run(
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", version)
        if match and int(match.group(1)) >= server_major:
            return str(candidate)
    raise BackupError(
        f"没有找到适合 PostgreSQL {server_major} 的 {name}（需要 {server_major} 或更新的"
        f"版本；可设置 PG_BIN_DIR）(no {name} for server version {server_major})"
    )


def _server_major(conn) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


def _table_counts(conn) -> dict[str, int]:
    tables = conn.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY schemaname, tablename"
    ).fetchall()
    counts = {}
    for schema, table in tables:
        name = table if schema == "public" else f"{schema}.{table}"
        quoted = f'"{schema}"."{table}"'
        counts[name] = conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608 - names from pg_tables
    return counts


def _pg_dump(config: dict[str, Any], target: Path) -> dict[str, Any]:
    with _pg_connect(config) as conn:
        major = _server_major(conn)
        pg_dump = pg_tool("pg_dump", server_major=major)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = _table_counts(conn)
        completed = subprocess.run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            env=_libpq_env(config),
            capture_output=True,
            text=True,
            check=False,
        )
        conn.execute("COMMIT")
    if completed.returncode != 0:
        raise BackupError(f"pg_dump 失败 (pg_dump failed): {completed.stderr.strip()}")
    version = subprocess.run(
        [pg_dump, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "engine": "postgresql",
        "server_major": major,
        "tool": version,
        "tables": counts,
    }


def _pg_restore(config: dict[str, Any], source: Path) -> dict[str, int]:
    with _pg_connect(config) as conn:
        major = _server_major(conn)
        existing = _table_counts(conn)
    if existing:
        raise BackupError(
            f"数据库 {config['NAME']} 不是空的（已有 {len(existing)} 张表），只能恢复到"
            f"空数据库 (the target database is not empty)"
        )
    completed = subprocess.run(
        [
            pg_tool("pg_restore", server_major=major),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={config['NAME']}",
            str(source),
        ],
        env=_libpq_env(config),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BackupError(
            f"pg_restore 失败，目标数据库未改动 (pg_restore failed): "
            f"{completed.stderr.strip()[-2000:]}"
        )
    with _pg_connect(config) as conn:
        return _table_counts(conn)


# --- SQLite ------------------------------------------------------------------------


def _sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - names from sqlite_master
            for name in names
        }


# --- media -------------------------------------------------------------------------


def _storage_files() -> Iterator[tuple[str, int, Any]]:
    """Every file of the default storage: (key, size, a function opening it)."""
    location = getattr(default_storage, "location", None)
    if location is not None and not hasattr(default_storage, "bucket"):
        root = Path(location)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.is_symlink():
                continue
            yield (
                path.relative_to(root).as_posix(),
                path.stat().st_size,
                lambda p=path: open(p, "rb"),  # noqa: SIM115 - closed by the caller
            )
        return
    bucket = default_storage.bucket
    for summary in bucket.objects.all():
        yield (
            summary.key,
            summary.size,
            lambda s=summary: s.get()["Body"],
        )


def _media_backup(target: Path) -> dict[str, int]:
    count = size = 0
    with tarfile.open(target, "w") as archive:
        for key, length, opener in _storage_files():
            info = tarfile.TarInfo(key)
            info.size = length
            info.mode = 0o640
            handle = opener()
            try:
                archive.addfile(info, handle)
            finally:
                handle.close()
            count += 1
            size += length
    return {"files": count, "bytes": size}


def _media_restore(source: Path, *, media_root: Path | None, bucket: str | None):
    if bucket:
        client = _s3_client()
        if client.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount"):
            raise BackupError(
                f"存储桶 {bucket} 不是空的，只能恢复到空存储 (the target bucket is not empty)"
            )
        with tarfile.open(source, "r") as archive:
            for member in archive:
                if member.isfile():
                    client.upload_fileobj(
                        archive.extractfile(member), bucket, member.name
                    )
        return
    assert media_root is not None
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(
            f"媒体目录 {media_root} 不是空的，只能恢复到空目录 "
            "(the target media folder is not empty)"
        )
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source, "r") as archive:
        # "data": no absolute names, no "..", no links out, no device files.
        archive.extractall(media_root, filter="data")


def _s3_client():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings.AWS_S3_ENDPOINT_URL,
        region_name=settings.AWS_S3_REGION_NAME,
        aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY,
    )


# --- backup and restore ------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def _say(stdout: TextIO | None, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def backup_create(*, root: Path, stdout: TextIO | None = None) -> Path:
    """Back up the default database and the default storage into a new folder
    under ``root``; return the folder. Raises ``BackupError``."""
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    folder = Path(root) / f"dangke-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = Path(root) / f"dangke-{stamp}-{suffix}"
    folder.mkdir(parents=True)
    try:
        return _backup_into(folder, stdout)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)  # never leave half a backup
        raise


def _backup_into(folder: Path, stdout: TextIO | None) -> Path:
    config = connections["default"].settings_dict
    if connections["default"].vendor == "postgresql":
        _say(stdout, "pg_dump …")
        database = _pg_dump(config, folder / DUMP)
        parts = [DUMP]
    else:
        _say(stdout, "SQLite backup …")
        target = sqlite3.connect(folder / SQLITE)
        connections["default"].ensure_connection()
        connections["default"].connection.backup(target)
        target.close()
        database = {"engine": "sqlite", "tables": _sqlite_counts(folder / SQLITE)}
        parts = [SQLITE]
    _say(stdout, "media storage …")
    media = _media_backup(folder / MEDIA)
    parts.append(MEDIA)
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": database,
        "media": media,
        "sha256": {part: _sha256(folder / part) for part in parts},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    _say(
        stdout,
        f"{folder}: {len(database['tables'])} tables, {sum(database['tables'].values())}"
        f" rows, {media['files']} media files ({media['bytes']} bytes)",
    )
    return folder


def database_config(url: str) -> dict[str, Any]:
    """A database settings dict (``NAME``, ``HOST``, ...) from a database URL."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return {"ENGINE": "sqlite", "NAME": unquote(parts.path)}
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise BackupError(f"不支持的数据库地址 {url!r} (use postgres:// or sqlite:///)")
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise BackupError(f"数据库地址 {url!r} 没有数据库名 (no database name)")
    return {
        "ENGINE": "postgresql",
        "NAME": name,
        "HOST": parts.hostname,
        "PORT": parts.port,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
    }


def backup_restore(
    *,
    source: Path,
    database_url: str,
    media_root: Path | None = None,
    bucket: str | None = None,
    stdout: TextIO | None = None,
) -> dict[str, Any]:
    """Restore the backup in ``source`` into the empty database at ``database_url``
    and the empty ``media_root`` folder (or S3 ``bucket``); return the restored
    table counts. Raises ``BackupError`` (damaged backup, non-empty target, a tool
    that fails, counts that differ from the manifest)."""
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"{source} 不是完整的备份：{exc} (no readable manifest)"
        ) from None
    for part, expected in manifest["sha256"].items():
        if not (source / part).is_file() or _sha256(source / part) != expected:
            raise BackupError(f"备份文件 {part} 缺失或已损坏 (checksum mismatch)")
    if not bucket and media_root is None:
        raise BackupError("请指定恢复的媒体目录或存储桶 (no media target given)")
    config = database_config(database_url)
    engine = manifest["database"]["engine"]
    if engine != config["ENGINE"]:
        raise BackupError(
            f"备份来自 {engine}，不能恢复到 {config['ENGINE']} (engine mismatch)"
        )
    _say(stdout, f"database → {config['NAME']} …")
    if engine == "postgresql":
        counts = _pg_restore(config, source / DUMP)
    else:
        target = Path(config["NAME"])
        if target.exists() and target.stat().st_size:
            raise BackupError(
                f"数据库文件 {target} 已存在 (the target database exists)"
            )
        shutil.copyfile(source / SQLITE, target)
        counts = _sqlite_counts(target)
    _say(stdout, f"media → {bucket or media_root} …")
    _media_restore(source / MEDIA, media_root=media_root, bucket=bucket)
    expected = manifest["database"]["tables"]
    differing = {
        name: (expected.get(name), counts.get(name))
        for name in set(expected) | set(counts)
        if expected.get(name) != counts.get(name)
    }
    if differing:
        raise BackupError(f"恢复后的行数与备份不符 (row counts differ): {differing}")
    _say(stdout, f"restored {len(counts)} tables, {sum(counts.values())} rows")
    return counts
