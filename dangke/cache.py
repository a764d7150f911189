"""Caching: the one per-process cache (``ProcessCache``) and Django's Redis cache
with kept clients (``KeptClientRedisCache``, the shared cache).

Per-process caches
------------------

Hot reads keep copies in the process: bearer tokens (``dangke.tokens``), lesson
facts and member profiles (``learning.selectors``), attempt sheets
(``assessment.services.attempts``), synonym groups (``search.synonyms``) and the
spelling vocabulary (``search.spelling``). Each is a ``ProcessCache``: a bounded
dict (the oldest entry goes when it is full) whose entries expire after ``ttl``
seconds (None: never).

How a copy stops being used (the invalidation story, the same for all of them):

1. **Forgotten where the data changes.** The service (or signal handler) that
   changes the source calls ``forget(key)`` (or ``forget()`` for everything). That
   reaches this process only.
2. **For every other process, one of three things bounds staleness:**

   - a short ``ttl`` (lesson facts 5 s, member profiles 10 s): another process's
     change is seen within it;
   - a ``stamp``: the caller reads a cheap fingerprint of the source (a count and
     the latest ``updated_at``, the index's state) and passes it to ``get`` and
     ``set``; a copy made under another stamp is a miss (synonyms, vocabulary);
   - a check: the copy is used only by a caller that checks it against the
     database in a query it makes anyway (bearer tokens, checked by the
     heartbeat's read); ``ttl`` then bounds memory, not staleness.

   A cache with none of these may hold only facts that never change once
   written (an attempt's drawn questions and deadline).
3. **Tests** start from nothing: ``process_caches_forget_all()`` empties every
   ``ProcessCache`` of the process (the ``_fresh_cache`` fixture), since ids come
   again once a test's rows are rolled back.

The shared cache
----------------

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every operation, and
building one copies its table of ~500 response callbacks: about half a millisecond
of CPU, more than the round trip it is for. Every heartbeat makes several cache
round trips, so the clients (thread-safe; they share the pool's connections) are
built once per pool and kept.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

MISSING: Any = object()  # what ``ProcessCache.get`` returns for no usable copy
_EVERYTHING = object()

_caches: weakref.WeakSet[ProcessCache] = weakref.WeakSet()


class ProcessCache:
    """Copies kept in this process: at most ``max_entries`` (the oldest goes first),
    each for ``ttl`` seconds (None: until forgotten or pushed out), each optionally
    under a ``stamp`` the reader must present again. See the module's docstring
    for when to forget."""

    def __init__(self, name: str, *, ttl: float | None, max_entries: int = 10_000):
        self.name = name
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Hashable, Any]] = {}
        self._lock = threading.Lock()
        # Held while building a copy, which may take long (``set`` needs ``_lock``).
        self._building = threading.Lock()
        _caches.add(self)

    def __repr__(self) -> str:
        return f"<ProcessCache {self.name} ({len(self._entries)})>"

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, *, stamp: Hashable = None) -> Any:
        """The copy kept for ``key`` under ``stamp`` if still fresh, else
        ``MISSING``."""
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        expires, kept_stamp, value = entry
        if expires < time.monotonic() or kept_stamp != stamp:
            return MISSING
        return value

    def set(self, key: Hashable, value: Any, *, stamp: Hashable = None) -> None:
        """Keep ``value`` for ``key`` (under ``stamp``), pushing out the oldest
        entry when full."""
        expires = float("inf") if self.ttl is None else time.monotonic() + self.ttl
        with self._lock:
            self._entries.pop(key, None)
            while len(self._entries) >= self.max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = (expires, stamp, value)

    def get_or_build(
        self, key: Hashable, build: Callable[[], Any], *, stamp: Hashable = None
    ) -> Any:
        """The copy for ``key`` under ``stamp``, built by ``build()`` and kept when
        there is none (one thread builds; the others wait for its copy)."""
        value = self.get(key, stamp=stamp)
        if value is not MISSING:
            return value
        with self._building:
            value = self.get(key, stamp=stamp)
            if value is MISSING:
                value = build()
                self.set(key, value, stamp=stamp)
            return value

    def forget(self, key: Hashable = _EVERYTHING) -> None:
        """Drop the copy of ``key``, or every copy when no key is given. Raises
        nothing."""
        with self._lock:
            if key is _EVERYTHING:
                self._entries.clear()
            else:
                self._entries.pop(key, None)


def process_caches_forget_all() -> None:
    """Empty every ``ProcessCache`` of this process (tests). Raises nothing."""
    for process_cache in list(_caches):
        process_cache.forget()


class KeptClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class KeptClientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` with kept clients."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient
