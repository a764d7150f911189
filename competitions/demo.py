"""宣讲比赛: the demo (idempotent)."""

from __future__ import annotations

import sys
from typing import TextIO


def competitions_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the competitions demo; a second run adds nothing."""
    out = stdout or sys.stdout
    out.write("competitions demo: nothing to load yet\n")
