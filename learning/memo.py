"""A short per-process memo in front of Django's shared cache.

Heartbeats ask for the same few lessons and members all the time; remembering them
in the process for a few seconds saves a cache round trip on most beats. Selectors
read and fill a memo; services forget from it when the data changes.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Any

MISSING = object()  # what ``LocalMemo.get`` returns for no fresh value


class LocalMemo:
    """Values kept in this process for ``ttl`` seconds; emptied when it holds more
    than ``max_entries`` (a crude bound, enough for a memo this short)."""

    def __init__(self, *, ttl: float, max_entries: int = 10_000):
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any:
        """The value remembered for ``key`` if still fresh, else ``MISSING``."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return MISSING

    def set(self, key: Hashable, value: Any) -> None:
        if len(self._entries) > self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def forget(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
