"""Sign-in attempts are limited per account and per client address, so a password
cannot be guessed by trying: after ``SIGNIN_FAILURES_ALLOWED`` wrong passwords in
``SIGNIN_WINDOW_SECONDS``, further attempts are refused until the window passes."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

SIGNIN_WINDOW_SECONDS = 15 * 60


def _keys(request: HttpRequest, username: str) -> list[str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    address = request.META.get("REMOTE_ADDR", "")
    return [f"portal:signin:user:{account}", f"portal:signin:addr:{address}"]


def signin_blocked(request: HttpRequest, username: str) -> bool:
    limit = settings.PORTAL_SIGNIN_FAILURES_ALLOWED
    counts = cache.get_many(_keys(request, username))
    user_key, addr_key = _keys(request, username)
    # An address may try a few accounts (a shared community-centre screen), not many.
    return counts.get(user_key, 0) >= limit or counts.get(addr_key, 0) >= limit * 4


def signin_failed(request: HttpRequest, username: str) -> None:
    for key in _keys(request, username):
        if cache.add(key, 1, SIGNIN_WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, SIGNIN_WINDOW_SECONDS)


def signin_succeeded(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0])
