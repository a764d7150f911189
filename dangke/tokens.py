"""Bearer tokens in the shared cache: who a token is, read from the database at most
once a minute per token, and forgotten at once when the token, its account or the
account's member profile changes.

Every heartbeat carries a token. Looking it up in the database (token, account and
member in one query) costs more than the heartbeat's own work, so the answer is kept
in the shared cache under the token's digest (the plaintext is never stored), for
``TOKEN_CACHE_SECONDS``: Wagtail's interval for stamping a token's last use, which
the database read does. Any process can then answer from the cache.

Forgetting writes a tombstone rather than deleting: a request that read the token's
row just before a revocation committed would otherwise put the stale answer back.
Entries are only ever *added* (Redis ``SET NX``), so a tombstone, written again after
the commit, wins; while it lasts the token is looked up in the database each time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from wagtail.models import APIToken

from dangke.cache import MISSING, ProcessCache

TOKEN_CACHE_SECONDS = 60
TOMBSTONE = 0  # an entry is a dict; anything falsy means "ask the database"

# This process's own copy of entries, for callers that check the entry against the
# database in a query they make anyway (the heartbeat's read does): no cache round
# trip at all. Nothing else may trust it, since another process's change does not
# reach it. Since every use is checked, its lifetime bounds memory, not staleness:
# a playing member's beats never fall back to the database for the token. Each copy
# also says when this process last stamped the token's ``last_used_at``.
TOKEN_MEMO_SECONDS = 3600
TOKEN_MEMO_MAX = 50_000
_memo = ProcessCache("tokens", ttl=TOKEN_MEMO_SECONDS, max_entries=TOKEN_MEMO_MAX)
# digest: [entry, stamped]


def token_digest(token: str) -> str:
    """A presented token's digest under the current secret (its stored ``key_hash``
    unless it was made under a fallback secret)."""
    return APIToken.hash_token(token)


def token_cache_key(digest: str) -> str:
    """The shared-cache key of a token, by its digest."""
    return f"api:token:{digest}"


def token_last_used_interval() -> int | None:
    """Seconds between stamps of a token's ``last_used_at`` (Wagtail's setting;
    None: never stamped)."""
    return getattr(settings, "WAGTAILAPI_TOKEN_LAST_USED_INTERVAL", 60)


def token_memo_get(key_hash: str) -> dict[str, Any] | None:
    """This process's copy of a token's entry, unchecked (see ``_memo``)."""
    kept = _memo.get(key_hash)
    return None if kept is MISSING else kept[0]


def token_memo_keep(key_hash: str, entry: dict[str, Any]) -> None:
    """Keep a copy of an entry just read from the database or the shared cache
    (either way, the read that made it stamped the token's ``last_used_at``, so the
    next stamp from this copy is due an interval from now)."""
    _memo.set(key_hash, [entry, time.monotonic()])


def token_memo_stamp_due(key_hash: str) -> bool:
    """Whether the token's ``last_used_at`` is due to be stamped by this process (it
    last stamped it, or read it fresh, ``WAGTAILAPI_TOKEN_LAST_USED_INTERVAL``
    seconds ago or more); if so, counts it as stamped now. The caller stamps it in
    a statement it makes anyway, only where the stored stamp is that old too."""
    interval = token_last_used_interval()
    kept = _memo.get(key_hash)
    if interval is None or kept is MISSING:
        return False
    now = time.monotonic()
    if now - kept[1] < interval:
        return False
    kept[1] = now
    return True


def token_memo_forget(key_hash: str | None = None) -> None:
    """Drop one token (by digest) from this process's copy, or all of them."""
    if key_hash is None:
        _memo.forget()
    else:
        _memo.forget(key_hash)


def token_entry_keep(digest: str, entry: dict[str, Any]) -> None:
    """Keep ``entry`` for the token of ``digest`` unless a tombstone (or another
    entry) is there."""
    cache.add(token_cache_key(digest), entry, TOKEN_CACHE_SECONDS)


def token_entries_forget(key_hashes: Iterable[str]) -> None:
    """Forget tokens by their stored digests, now and again after the current
    transaction commits. Raises nothing."""
    key_hashes = list(key_hashes)
    for key_hash in key_hashes:
        token_memo_forget(key_hash)
    keys = [token_cache_key(key_hash) for key_hash in key_hashes]
    if not keys:
        return
    tombstones = dict.fromkeys(keys, TOMBSTONE)
    cache.set_many(tombstones, TOKEN_CACHE_SECONDS)
    transaction.on_commit(lambda: cache.set_many(tombstones, TOKEN_CACHE_SECONDS))


def token_entries_forget_for_user(user_id: int) -> None:
    """Forget every token of an account (its activity, roles or member profile
    changed). Raises nothing."""
    token_entries_forget(
        APIToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True)
    )


def bearer_counts_and_entry(*, bad_token_key: str, digest: str) -> tuple[int, Any]:
    """The invalid-token count under ``bad_token_key`` and the cached entry of the
    token of ``digest`` (None when not cached), in one round trip."""
    entry_key = token_cache_key(digest)
    found = cache.get_many([bad_token_key, entry_key])
    return found.get(bad_token_key, 0), found.get(entry_key)


def _token_changed(instance: APIToken, **kwargs: Any) -> None:
    token_entries_forget([instance.key_hash])


def _account_saved(instance: Any, update_fields=None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # signing in changes nothing a token answers with
    token_entries_forget_for_user(instance.pk)


def token_cache_signals_connect() -> None:
    """Forget tokens when they change (revoked, deleted) and when their account
    does (deactivated, roles changed; a deleted account's tokens are deleted with
    it). The member profile's handler is ``learning``'s (it knows members)."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_token_changed, sender=APIToken, dispatch_uid="api_token_saved")
    post_delete.connect(
        _token_changed, sender=APIToken, dispatch_uid="api_token_deleted"
    )
    post_save.connect(
        _account_saved, sender=get_user_model(), dispatch_uid="api_token_account"
    )
