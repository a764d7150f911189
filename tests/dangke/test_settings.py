"""Settings come from the environment; a wrong value stops start-up naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_django(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "SEARCH_BACKEND",
            "ELASTICSEARCH_URL",
            "DEBUG",
            "SECRET_KEY",
            "AWS_STORAGE_BUCKET_NAME",
            "AWS_S3_ENDPOINT_URL",
            # set by the browser tests for their own process only
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(DANGKE_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "mysql://root@127.0.0.1/dangke"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"SEARCH_BACKEND": "solr"}, "SEARCH_BACKEND"),
        ({"SEARCH_BACKEND": "elasticsearch"}, "ELASTICSEARCH_URL"),
        ({"CELERY_BROKER_URL": "kafka://127.0.0.1"}, "CELERY_BROKER_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
        ({"AWS_S3_ENDPOINT_URL": "ftp://store"}, "AWS_S3_ENDPOINT_URL"),
        ({"ELASTICSEARCH_ANALYZER": "english"}, "ELASTICSEARCH_ANALYZER"),
        (
            {
                "CELERY_BROKER_URL": "redis://127.0.0.1:6379/9",
                "CELERY_VISIBILITY_TIMEOUT": "100",
                "MEDIA_LEASE_SECONDS": "120",
            },
            "CELERY_VISIBILITY_TIMEOUT",
        ),
    ],
)
def test_a_wrong_setting_stops_start_up_naming_the_variable(tmp_path, env, named):
    result = run_django(tmp_path, "check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


def test_embedded_defaults_need_no_environment(tmp_path):
    result = run_django(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.SEARCH_BACKEND, s.STORAGES['default']['BACKEND'], s.LANGUAGE_CODE, "
        "s.TIME_ZONE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "database",
        "django.core.files.storage.FileSystemStorage",
        "zh-hans",
        "Asia/Shanghai",
    ]


def test_postgres_and_s3_come_from_the_environment(tmp_path):
    result = run_django(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['NAME'], d['HOST'], s.STORAGES['default']['BACKEND'])",
        DATABASE_URL="postgres://dk@db.internal:5433/dangke",
        AWS_STORAGE_BUCKET_NAME="media",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "django.db.backends.postgresql",
        "dangke",
        "db.internal",
        "storages.backends.s3.S3Storage",
    ]


def test_deploy_check_is_clean_with_debug_off(tmp_path):
    result = run_django(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="dangke.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
