"""Media settings fail at start with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MEDIA_LADDER", "720p"),
        ("MEDIA_LADDER", "241:400"),
        ("MEDIA_PROBE_TIMEOUT", "0"),
        ("MEDIA_UPLOAD_MAX_SIZE", "lots"),
        ("MEDIA_X264_PRESET", "placebo"),
    ],
)
def test_bad_media_setting_names_the_variable(name, value, tmp_path):
    env = {**os.environ, name: value, "DANGKE_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import dangke.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_openapi_documents_the_media_operations(client, db):
    operations = {
        operation["operationId"]
        for path in client.get("/api/v3/openapi.json").json()["paths"].values()
        for operation in path.values()
    }
    assert {
        "media_uploads_create",
        "media_uploads_append",
        "media_uploads_delete",
        "media_assets_detail",
        "media_subtitles_create",
        "media_assets_playlist",
        "media_assets_file",
    } <= operations
