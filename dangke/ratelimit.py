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
    Raises nothing.
    """
    window = int(timezone.now().timestamp()) // RATE_WINDOW_SECONDS
    key = f"rate:{bucket}:{who}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:  # the window's first attempt
        if cache.add(key, 1, RATE_WINDOW_SECONDS * 2):
            return limit < 1
        count = cache.incr(key)
    return count > limit
