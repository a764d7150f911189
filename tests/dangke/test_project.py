"""The project is consistent: system checks pass and no model change lacks a migration."""

import io

import pytest
from django.core.management import call_command


def test_system_checks_pass(db):
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


def test_every_model_change_has_a_migration(db):
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:  # --check exits 1 when a migration is missing
        pytest.fail(f"missing migrations:\n{out.getvalue()} (exit {exit_.code})")
    assert "No changes detected" in out.getvalue()
