"""心得体会: the demo (idempotent)."""

from __future__ import annotations

import sys
from typing import TextIO


def reflections_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the reflections demo; a second run adds nothing."""
    out = stdout or sys.stdout
    out.write("reflections demo: nothing to load yet\n")
