"""How often someone may try something: heartbeats and check-in codes per account,
live-contest joins per client address, wrong passwords (portal and admin sign-in) per
account and address, invalid API tokens per address. This module imports no app."""

from __future__ import annotations

import hashlib

from django.conf import settings
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
    key = rate_limit_key(bucket=bucket, who=who)
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


def rate_limit_key(*, bucket: str, who: int | str) -> str:
    """The cache key counting ``who``'s attempts in ``bucket`` this minute."""
    window = int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS
    return f"rate:{bucket}:{who}:{window}"


# --- sign-in ------------------------------------------------------------------------
# Wrong passwords are counted per account and per client address for a quarter of an
# hour; the portal's sign-in and the Wagtail admin's share the counters, so trying
# one after the other gains nothing.

SIGNIN_WINDOW_SECONDS = 15 * 60
# An address may try a few accounts (a shared community-centre screen), not many.
SIGNIN_ADDRESS_FACTOR = 4


def _signin_keys(address: str, username: str) -> tuple[str, str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"signin:user:{account}", f"signin:addr:{address}"


def signin_blocked(*, address: str, username: str) -> bool:
    """Whether sign-in attempts for ``username`` or from ``address`` are refused
    until the window passes. Raises nothing."""
    limit = settings.PORTAL_SIGNIN_FAILURES_ALLOWED
    user_key, addr_key = _signin_keys(address, username)
    counts = cache.get_many([user_key, addr_key])
    return (
        counts.get(user_key, 0) >= limit
        or counts.get(addr_key, 0) >= limit * SIGNIN_ADDRESS_FACTOR
    )


def signin_failed(*, address: str, username: str) -> None:
    """Count a wrong password for ``username`` from ``address``."""
    for key in _signin_keys(address, username):
        if cache.add(key, 1, SIGNIN_WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, SIGNIN_WINDOW_SECONDS)


def signin_succeeded(*, username: str) -> None:
    """Forget the account's wrong passwords (not the address's)."""
    cache.delete(_signin_keys("", username)[0])


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
