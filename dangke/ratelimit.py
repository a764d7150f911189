"""How often someone may try something: heartbeats and check-in codes per account,
live-contest joins per client address. This module imports no app."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

RATE_WINDOW_SECONDS = 60


def rate_limit_exceeded(*, bucket: str, who: int | str, limit: int) -> bool:
    """Count one attempt of ``who`` (an account id, a client address) in ``bucket``
    and say whether it goes past ``limit`` attempts in the current minute.

    A fixed-window counter in Django's cache, so every worker process (and every
    client of the same account: the API and the portal alike) shares one budget.
    On Redis it is one round trip (INCR and EXPIRE together), since every heartbeat
    counts. Raises nothing.
    """
    window = int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS
    key = f"rate:{bucket}:{who}:{window}"
    client = _redis_client()
    if client is not None:
        full_key = cache.make_and_validate_key(key)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(full_key)
        pipeline.expire(full_key, RATE_WINDOW_SECONDS * 2)
        count, _ = pipeline.execute()
        return count > limit
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first attempt
        if cache.add(key, 1, RATE_WINDOW_SECONDS * 2):
            return limit < 1
        count = cache.incr(key)
    return count > limit


def _redis_client():
    """The redis-py client behind Django's Redis cache, or None for other caches.

    Django's ``RedisCache.incr`` asks whether the key exists first (two round
    trips); its client (``_cache.get_client``) answers both commands at once."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)
