"""The competitions rows of the authorisation matrix (see ``tests.matrix``)."""

from __future__ import annotations

from tests.matrix import Row

ROWS: list[Row] = []
ADMIN_CLASSES: list[tuple[str, str]] = []


def world(context: dict) -> dict:
    """The competitions objects of the matrix's world; the ids the rows name."""
    return {}


def demo_ids(member) -> dict:
    """The demo's ids for the competitions operations' path parameters."""
    return {}
