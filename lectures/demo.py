"""讲师点单: the demo (idempotent)."""

from __future__ import annotations

import sys
from typing import TextIO


def lectures_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the lectures demo; a second run adds nothing."""
    out = stdout or sys.stdout
    out.write("lectures demo: nothing to load yet\n")
