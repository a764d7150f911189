"""A small terminal progress bar for long commands (demo loading, imports, reindexing,
benchmarks). It draws in place on a terminal and prints plain lines elsewhere."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")


class ProgressBar:
    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        stream: IO[str] | None = None,
        width: int = 30,
    ):
        self.total = max(total, 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0
        self._started = time.monotonic()

    def advance(self, step: int = 1, note: str = "") -> None:
        self.done = (
            min(self.done + step, self.total) if self.total else self.done + step
        )
        now = time.monotonic()
        finished = self.total and self.done >= self.total
        if self._interactive:
            if finished or now - self._last_draw > 0.1:
                self._draw(note)
                self._last_draw = now
        elif finished:
            self._draw(note)

    def _draw(self, note: str) -> None:
        total = self.total or 1
        filled = int(self.width * self.done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self._started
        line = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {note}"
        if self._interactive:
            self.stream.write("\r" + line[:150].ljust(150))
            if self.total and self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def progress(
    items: Iterable[T],
    *,
    total: int | None = None,
    label: str = "",
    stream: IO[str] | None = None,
) -> Iterator[T]:
    """Yield ``items`` while drawing a progress bar."""
    if total is None:
        items = list(items)
        total = len(items)
    bar = ProgressBar(total, label, stream=stream)
    for item in items:
        yield item
        bar.advance()


def progress_line(done: int, total: int, label: str, stream: IO[str]) -> None:
    """Draw ``[#####.....]  50% label`` for a loop that counts for itself: in place on
    a terminal, and only the finished line elsewhere (logs, pipes)."""
    width = 30
    filled = int(width * done / total) if total else width
    percent = int(100 * done / total) if total else 100
    line = f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {label}"
    finished = done >= total
    if getattr(stream, "isatty", lambda: False)():
        stream.write("\r" + line + ("\n" if finished else ""))
    elif finished:
        stream.write(line + "\n")
    stream.flush()
