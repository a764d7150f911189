"""How often someone may try something: heartbeats and check-in codes per account,
live-contest joins per client address, sign-in attempts (portal and admin) per
account and address, page passwords per page and address, admin password resets per
e-mail and address, invalid API tokens per address. This module imports no app."""

from __future__ import annotations

import hashlib
import threading

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
# Sign-in attempts are counted per account and per client address for a quarter of an
# hour; the portal's sign-in and the Wagtail admin's share the counters, so trying
# one after the other gains nothing. An attempt is counted *before* its password is
# checked, by one atomic increment, so concurrent attempts cannot slip past the limit
# between a check and a count: of 40 simultaneous tries at one account, at most
# ``PORTAL_SIGNIN_FAILURES_ALLOWED`` have their password checked. An attempt that
# turns out right is then taken back from the address's count (signing in is not
# guessing) and clears the account's; a refused one, which checked nothing, is taken
# back from both.

SIGNIN_WINDOW_SECONDS = 15 * 60
# An address may try a few accounts (a shared community-centre screen), not many.
SIGNIN_ADDRESS_FACTOR = 4


def _signin_keys(address: str, username: str) -> tuple[str, str]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"signin:user:{account}", f"signin:addr:{address}"


def signin_attempt(*, address: str, username: str) -> bool:
    """Count a sign-in attempt for ``username`` from ``address`` before its password
    is checked, and say whether it may go on: False once the account has had
    ``PORTAL_SIGNIN_FAILURES_ALLOWED`` attempts (or the address four times as
    many) in the window, until the window passes, whatever the password. Call
    ``signin_succeeded`` when the password was right. Raises nothing."""
    return _attempt(_signin_keys(address, username))


def signin_succeeded(*, address: str, username: str) -> None:
    """After an attempt ``signin_attempt`` let through had the right password:
    forget the account's attempts, and take this one back from the address's
    (its earlier wrong ones stay). Raises nothing."""
    _succeeded(_signin_keys(address, username))


# A page's password (Wagtail's "private, accessible with a password") is shared by
# everyone it was given to: its attempts are counted per page *and address*, so one
# guesser cannot lock the page for the others, and against the address's sign-in
# count, so guessing pages and accounts by turns gains nothing.


def _page_password_keys(address: str, restriction_id: int) -> tuple[str, str]:
    return f"signin:page:{restriction_id}:{address}", f"signin:addr:{address}"


def page_password_attempt(*, address: str, restriction_id: int) -> bool:
    """``signin_attempt`` for the password of the page view restriction
    ``restriction_id`` tried from ``address``. Raises nothing."""
    return _attempt(_page_password_keys(address, restriction_id))


def page_password_succeeded(*, address: str, restriction_id: int) -> None:
    """``signin_succeeded`` for a page's password. Raises nothing."""
    _succeeded(_page_password_keys(address, restriction_id))


def _attempt(keys: tuple[str, str]) -> bool:
    limit = settings.PORTAL_SIGNIN_FAILURES_ALLOWED
    own_count, addr_count = _window_count(keys, SIGNIN_WINDOW_SECONDS)
    if own_count <= limit and addr_count <= limit * SIGNIN_ADDRESS_FACTOR:
        return True
    _window_uncount(*keys)
    return False


def _succeeded(keys: tuple[str, str]) -> None:
    own_key, addr_key = keys
    cache.delete(own_key)
    _window_uncount(addr_key)


# --- admin password reset ---------------------------------------------------------
# Each request may send a mail: a few per target address and per client address in
# an hour, so the form cannot be used to flood someone's mailbox (or the mail relay).

PASSWORD_RESET_WINDOW_SECONDS = 60 * 60
PASSWORD_RESETS_PER_EMAIL = 3
PASSWORD_RESETS_PER_ADDRESS = 10


def password_reset_attempt(*, address: str, email: str) -> bool:
    """Count a password-reset request for ``email`` from ``address`` and say
    whether it may go on (False past ``PASSWORD_RESETS_PER_EMAIL`` for the e-mail
    or ``PASSWORD_RESETS_PER_ADDRESS`` for the address in the window; a refused
    request is not counted). Whether an account has that e-mail plays no part.
    Raises nothing."""
    target = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = (f"reset:email:{target}", f"reset:addr:{address}")
    email_count, addr_count = _window_count(keys, PASSWORD_RESET_WINDOW_SECONDS)
    if (
        email_count <= PASSWORD_RESETS_PER_EMAIL
        and addr_count <= PASSWORD_RESETS_PER_ADDRESS
    ):
        return True
    _window_uncount(*keys)
    return False


# --- counters in a window that starts with the first count ---------------------------
# An attempt counts against two keys (the account or e-mail, and the address); both
# move together, in one Redis transaction or under one lock in a process, so that of
# simultaneous attempts exactly as many pass as the limits allow, none more.

# Take one back only while the key lives: a DECR on a key that has just expired
# would make a new one, without an expiry, counting -1 for ever.
_DECR_WHERE_EXISTS = """
for _, key in ipairs(KEYS) do
  if redis.call("EXISTS", key) == 1 then redis.call("DECR", key) end
end
return 0
"""
# For caches other than Redis (in memory: one process, whose threads this orders).
_COUNTERS_LOCK = threading.Lock()


def _window_count(keys: tuple[str, ...], seconds: int) -> list[int]:
    """Add one to each counter of ``keys`` (each expires ``seconds`` after its
    first count) and return the new counts; all at once, atomic across processes
    on Redis."""
    client = _redis_client()
    if client is not None:
        pipeline = client.pipeline(transaction=True)  # MULTI: all or nothing
        for key in keys:
            full_key = cache.make_and_validate_key(key)
            pipeline.set(full_key, 0, ex=seconds, nx=True)
            pipeline.incr(full_key)
        return pipeline.execute()[1::2]
    with _COUNTERS_LOCK:
        return [_cache_count(key, seconds) for key in keys]


def _cache_count(key: str, seconds: int) -> int:
    while True:
        if cache.add(key, 1, seconds):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr: start the window
            continue


def _window_uncount(*keys: str) -> None:
    """Take one back from each counter of ``keys`` that still exists."""
    client = _redis_client()
    if client is not None:
        full_keys = [cache.make_and_validate_key(key) for key in keys]
        client.eval(_DECR_WHERE_EXISTS, len(full_keys), *full_keys)
        return
    with _COUNTERS_LOCK:
        for key in keys:
            try:
                cache.decr(key)
            except ValueError:  # the window has passed
                pass


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
