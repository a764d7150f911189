"""直播党课: the demo (idempotent)."""

from __future__ import annotations

import sys
from typing import TextIO


def broadcasts_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the broadcasts demo; a second run adds nothing."""
    out = stdout or sys.stdout
    out.write("broadcasts demo: nothing to load yet\n")
