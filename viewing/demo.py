"""集中收看: the demo (idempotent)."""

from __future__ import annotations

import sys
from typing import TextIO


def viewing_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the viewing demo; a second run adds nothing."""
    out = stdout or sys.stdout
    out.write("viewing demo: nothing to load yet\n")
