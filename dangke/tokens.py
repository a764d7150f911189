"""Bearer tokens: the one path from ``Authorization: Bearer <token>`` to an account.

Every API router authenticates tokens with ``TokenAuth`` (Wagtail's own page API
keeps Wagtail's class). This module owns everything on the way:

- **Lookup.** A token not kept anywhere is read with its account, and the account's
  profile an app registered (``token_profile_register``: learning's member), in
  one query (``token_read``), which also stamps the token's ``last_used_at`` as
  Wagtail's bearer authentication does (at most once per
  ``WAGTAILAPI_TOKEN_LAST_USED_INTERVAL``).
- **Kept copies.** Every heartbeat carries a token, and the lookup costs more than
  the heartbeat's own work, so the answer is kept in the shared cache under the
  token's digest (the plaintext is never stored) for ``TOKEN_CACHE_SECONDS``:
  Wagtail's interval for stamping, which the read does. Each process also keeps a
  copy (``dangke.cache.ProcessCache``) that only a caller which checks it against
  the database in a query it makes anyway may use
  (``TokenAuth(copy_checked_by_caller=True)``: the heartbeat, whose read checks
  it); such a caller also stamps the token in its own write when the copy says a
  stamp is due (``token_stamp_statement``).
- **Revocation.** Forgetting writes a tombstone rather than deleting: a request
  that read the token's row just before a revocation committed would otherwise put
  the stale answer back. Entries are only ever *added* (Redis ``SET NX``), so a
  tombstone, written again after the commit, wins; while it lasts the token is
  looked up in the database each time. Tokens are forgotten when they change, when
  their account does, and (called by its app) when the registered profile does.

The one request attribute: ``SignInThrottleMiddleware`` reads the invalid-token
count and the token's shared-cache entry in one round trip (``bearer_prefetch``);
the entry waits for ``TokenAuth`` on the request under ``PREFETCH_ATTRIBUTE``,
written and read only here. What authentication found reaches the view as
``request.auth`` (ninja's): a ``BearerIdentity``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache as remembered
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from wagtail.models import APIToken

from dangke.cache import MISSING, ProcessCache
from dangke.prepared import prepared_cursor

TOKEN_CACHE_SECONDS = 60
TOMBSTONE = 0  # an entry is a dict; anything falsy means "ask the database"

# This process's copies, for callers that check them (see the module's docstring):
# since every use is checked, the lifetime bounds memory, not staleness, and a
# playing member's beats never fall back to the database for the token. Each copy
# also says when this process last stamped the token's ``last_used_at``.
TOKEN_MEMO_SECONDS = 3600
TOKEN_MEMO_MAX = 50_000
_copies = ProcessCache("tokens", ttl=TOKEN_MEMO_SECONDS, max_entries=TOKEN_MEMO_MAX)

PREFETCH_ATTRIBUTE = "dangke_bearer_prefetch"


@dataclass(frozen=True)
class TokenProfile:
    """An app's profile of accounts, read with the token: ``model`` has a ``user``
    one-to-one, ``fields`` are the ones kept (``"pk"`` for the primary key), and
    ``remember(user_id=, fields=)`` is told each profile read afresh (fields None:
    the account has none)."""

    model: type[models.Model]
    fields: tuple[str, ...]
    remember: Callable[..., None]

    def model_fields(self) -> list[models.Field]:
        meta = self.model._meta
        return [
            meta.pk if name == "pk" else meta.get_field(name) for name in self.fields
        ]


_profile: TokenProfile | None = None


def token_profile_register(profile: TokenProfile) -> None:
    """Read ``profile`` with every token from now on (an app's ``ready()``)."""
    global _profile
    _profile = profile
    _read_statement.cache_clear()


@dataclass(frozen=True)
class BearerIdentity:
    """Who a bearer token is: ``request.auth`` of an operation ``TokenAuth``
    authenticated. ``profile`` is the registered profile's fields (None: the
    account has none). ``checked`` is False for this process's copy, which the
    caller checks in its own query; ``stamp_due`` then says that query should also
    stamp the token's ``last_used_at`` (``token_stamp_statement``)."""

    key_hash: str
    user_id: int
    username: str
    is_superuser: bool
    is_staff: bool
    profile: dict[str, Any] | None
    checked: bool = True
    stamp_due: bool = False

    def user(self):
        """A lightweight user with the token's account id and roles."""
        user = get_user_model()(
            pk=self.user_id,
            username=self.username,
            is_active=True,
            is_superuser=self.is_superuser,
            is_staff=self.is_staff,
        )
        user._state.adding = False
        return user


def token_digest(token: str) -> str:
    """A presented token's digest under the current secret (its stored ``key_hash``
    unless it was made under a fallback secret)."""
    return APIToken.hash_token(token)


def token_cache_key(digest: str) -> str:
    """The shared-cache key of a token, by its digest."""
    return f"api:token:v2:{digest}"


def token_last_used_interval() -> int | None:
    """Seconds between stamps of a token's ``last_used_at`` (Wagtail's setting;
    None: never stamped)."""
    return getattr(settings, "WAGTAILAPI_TOKEN_LAST_USED_INTERVAL", 60)


# --- authentication -----------------------------------------------------------


class TokenAuth(HttpBearer):
    """Wagtail's bearer tokens, answered from the kept copies when they have the
    token (see the module's docstring); ``request.auth`` is a ``BearerIdentity``
    and ``request.user`` a lightweight user with the account's id and roles. A
    string that cannot be a token (format and checksum) never reaches the
    database. ``copy_checked_by_caller``: the operation checks the token, its
    account and profile against the database itself (the heartbeat), so this
    process's copy is taken unchecked (``identity.checked`` False)."""

    def __init__(self, *, copy_checked_by_caller: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.copy_checked_by_caller = copy_checked_by_caller

    def authenticate(self, request: HttpRequest, token: str) -> BearerIdentity | None:
        identity = None
        if APIToken.validate_token_format(token):
            identity = token_identify(
                token,
                prefetched=getattr(request, PREFETCH_ATTRIBUTE, None),
                copy_checked_by_caller=self.copy_checked_by_caller,
            )
        # As Wagtail's BearerTokenAuth: a bad token overrides a session's user.
        request.user = identity.user() if identity else AnonymousUser()
        return identity


@dataclass(frozen=True)
class BearerPrefetch:
    """A token's shared-cache entry (None: not there), read by the throttle for
    the request's authentication."""

    digest: str
    entry: Any


def bearer_prefetch(request: HttpRequest, *, token: str, count_key: str) -> int:
    """For ``SignInThrottleMiddleware``: the invalid-token count under
    ``count_key``, 0 when this process knows ``token`` as valid (not a guess). The
    token's shared-cache entry comes in the same round trip and waits on the
    request for ``TokenAuth``."""
    digest = token_digest(token)
    if _copies.get(digest) is not MISSING:
        return 0
    entry_key = token_cache_key(digest)
    found = cache.get_many([count_key, entry_key])
    setattr(request, PREFETCH_ATTRIBUTE, BearerPrefetch(digest, found.get(entry_key)))
    return found.get(count_key, 0)


def token_identify(
    token: str,
    *,
    prefetched: BearerPrefetch | None = None,
    copy_checked_by_caller: bool = False,
) -> BearerIdentity | None:
    """Who ``token`` is (None: no valid token of an active account): from this
    process's copy (only with ``copy_checked_by_caller``, and only a copy with a
    profile), the shared cache (``prefetched`` when it was read already) or the
    database. Raises nothing of its own."""
    digest = token_digest(token)
    if copy_checked_by_caller:
        kept = _copies.get(digest)
        if kept is not MISSING and kept[0]["profile"] is not None:
            return _identity(kept[0], checked=False, stamp_due=_stamp_due(kept))
    if prefetched is not None and prefetched.digest == digest:
        entry = prefetched.entry
    else:
        entry = cache.get(token_cache_key(digest))
    return _identified(digest, entry, lambda: APIToken.candidate_key_hashes(token))


def token_identify_again(identity: BearerIdentity) -> BearerIdentity | None:
    """After a caller's check found this process's copy behind ``identity`` no
    longer holds: forget the copy and identify the token afresh (shared cache,
    then database). None if it is no longer valid."""
    digest = identity.key_hash  # a copy is kept only under its stored digest
    _copies.forget(digest)
    entry = cache.get(token_cache_key(digest))
    return _identified(digest, entry, lambda: [digest])


def _identified(
    digest: str, entry: Any, candidates: Callable[[], list[str]]
) -> BearerIdentity | None:
    from_database = not entry
    if from_database:
        entry = token_read(candidates(), now=timezone.now())
        if entry is None:
            _copies.forget(digest)  # no longer valid, if it was here
            return None
    # A token matched under a fallback secret is not kept: its stored digest is not
    # the key, so forgetting it could not find the entry.
    if entry["key_hash"] == digest:
        if from_database:
            cache.add(token_cache_key(digest), entry, TOKEN_CACHE_SECONDS)
        # Either way the read that made the entry stamped the token: the next stamp
        # from this copy is due an interval from now.
        _copies.set(digest, [entry, time.monotonic()])
    if _profile is not None:
        _profile.remember(user_id=entry["user"][0], fields=entry["profile"])
    return _identity(entry, checked=True, stamp_due=False)


def _identity(entry: dict[str, Any], *, checked: bool, stamp_due: bool):
    user_id, username, is_superuser, is_staff = entry["user"]
    return BearerIdentity(
        key_hash=entry["key_hash"],
        user_id=user_id,
        username=username,
        is_superuser=is_superuser,
        is_staff=is_staff,
        profile=entry["profile"],
        checked=checked,
        stamp_due=stamp_due,
    )


def _stamp_due(kept: list[Any]) -> bool:
    """Whether this process should stamp the token of copy ``kept`` (it last
    stamped it, or read it fresh, an interval ago or more); if so, counts it as
    stamped now. The caller stamps only where the stored stamp is that old too."""
    interval = token_last_used_interval()
    if interval is None:
        return False
    now = time.monotonic()
    if now - kept[1] < interval:
        return False
    kept[1] = now
    return True


# --- the database -------------------------------------------------------------


def token_read(candidates: list[str], *, now: datetime) -> dict[str, Any] | None:
    """Who a bearer token is, by its ``candidates`` (digests under the current and
    fallback secrets): ``{"key_hash", "user": (id, username, is_superuser,
    is_staff), "profile": {field: value} or None}``, or None for no valid token of
    an active account. Stamps the token's last use as Wagtail's bearer
    authentication does (on PostgreSQL in the same statement, without waiting for
    the WAL flush: losing a stamp in a crash loses nothing)."""
    vendor = connection.vendor
    params = _stamp_params(now)
    stamping = params is not None
    params = params or {}
    if vendor == "postgresql":
        params["candidates"] = list(candidates)
    else:
        params["candidates"] = json.dumps(list(candidates))
    with prepared_cursor() as cursor:
        cursor.execute(_read_statement(vendor, stamping=stamping), params)
        row = cursor.fetchone()
        if row is None:
            return None
        token_id, key_hash, user_id, username, is_superuser, is_staff = row[:6]
        if stamping and vendor != "postgresql":
            cursor.execute(_STAMP_BY_ID_SQLITE, {**params, "token_id": token_id})
    profile = None
    if _profile is not None and row[6]:
        values = row[7 : 7 + len(_profile.fields)]
        profile = {
            name: field.to_python(value)  # SQLite gives dates as text
            for name, field, value in zip(
                _profile.fields, _profile.model_fields(), values, strict=True
            )
        }
    return {
        "key_hash": key_hash,
        "user": (user_id, username, bool(is_superuser), bool(is_staff)),
        "profile": profile,
    }


def _stamp_params(now: datetime) -> dict[str, Any] | None:
    """``stamp_at`` and ``stamp_stale`` for a token stamp at ``now`` (None: tokens
    are never stamped)."""
    interval = token_last_used_interval()
    if interval is None:
        return None
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "stamp_at": adapt(now),
        "stamp_stale": adapt(now - timedelta(seconds=interval)),
    }


def token_stamp_params(key_hash: str, *, now: datetime) -> dict[str, Any] | None:
    """The parameters of ``token_stamp_statement`` for the token of ``key_hash``
    at ``now``; None when tokens are never stamped."""
    params = _stamp_params(now)
    return None if params is None else {**params, "stamp_key_hash": key_hash}


def token_stamp_statement(vendor: str) -> str:
    """The UPDATE stamping the token of ``stamp_key_hash`` as used at ``stamp_at``
    unless stamped after ``stamp_stale`` (parameters: ``token_stamp_params``), for a
    caller that checked this process's copy of it in its own query."""
    table = APIToken._meta.db_table
    if vendor == "postgresql":
        return (
            f"UPDATE {table} SET last_used_at = %(stamp_at)s "  # noqa: S608
            "WHERE key_hash = %(stamp_key_hash)s "
            "AND (last_used_at IS NULL OR last_used_at <= %(stamp_stale)s)"
        )
    return (
        f"UPDATE {table} SET last_used_at = :stamp_at "  # noqa: S608
        "WHERE key_hash = :stamp_key_hash "
        "AND (last_used_at IS NULL OR last_used_at <= :stamp_stale)"
    )


def _tables() -> dict[str, str]:
    return {
        "tokens": APIToken._meta.db_table,
        "users": get_user_model()._meta.db_table,
    }


def _profile_select() -> tuple[str, str]:
    """The profile's columns (``has_profile`` first) and its join, or a constant
    ``FALSE`` and no join when no app registered one. Only names from the models
    are formatted in."""
    if _profile is None:
        return "FALSE AS has_profile", ""
    columns = ", ".join(
        f"p.{field.column} AS profile_{index}"
        for index, field in enumerate(_profile.model_fields())
    )
    pk = _profile.model._meta.pk.column
    join = f"LEFT JOIN {_profile.model._meta.db_table} p ON p.user_id = u.id"
    return f"p.{pk} IS NOT NULL AS has_profile, {columns}", join


@remembered
def _read_statement(vendor: str, *, stamping: bool) -> str:
    if vendor == "postgresql":
        return _read_postgresql(stamping=stamping)
    return _read_sqlite()


def _read_postgresql(*, stamping: bool) -> str:
    """One statement: the token, its account and profile, and (``stamping``) the
    stamp, committed without waiting for the WAL flush."""
    t = _tables()
    profile_columns, profile_join = _profile_select()
    found = f"""
        SELECT t.id AS token_id, t.key_hash, u.id AS user_id, u.username,
               u.is_superuser, u.is_staff, {profile_columns}
        FROM {t["tokens"]} t
        JOIN {t["users"]} u ON u.id = t.user_id
        {profile_join}
        WHERE t.key_hash = ANY(%(candidates)s)
          AND t.revoked_at IS NULL AND u.is_active
        LIMIT 1"""  # noqa: S608
    if not stamping:
        return found
    return f"""
        WITH found AS ({found}),
        stamped AS (
            UPDATE {t["tokens"]} SET last_used_at = %(stamp_at)s
            WHERE id = (SELECT token_id FROM found)
              AND (last_used_at IS NULL OR last_used_at <= %(stamp_stale)s)
            RETURNING 1
        )
        SELECT found.*, set_config('synchronous_commit', 'off', true) FROM found"""  # noqa: S608


def _read_sqlite() -> str:
    """The token, its account and profile (the stamp is ``_STAMP_BY_ID_SQLITE``)."""
    t = _tables()
    profile_columns, profile_join = _profile_select()
    return f"""
        SELECT t.id AS token_id, t.key_hash, u.id AS user_id, u.username,
               u.is_superuser, u.is_staff, {profile_columns}
        FROM {t["tokens"]} t
        JOIN {t["users"]} u ON u.id = t.user_id
        {profile_join}
        WHERE t.key_hash IN (SELECT value FROM json_each(:candidates))
          AND t.revoked_at IS NULL AND u.is_active
        LIMIT 1"""  # noqa: S608


_STAMP_BY_ID_SQLITE = (
    f"UPDATE {APIToken._meta.db_table} SET last_used_at = :stamp_at "  # noqa: S608
    "WHERE id = :token_id AND (last_used_at IS NULL OR last_used_at <= :stamp_stale)"
)


# --- forgetting ---------------------------------------------------------------


def token_entries_forget(key_hashes: Iterable[str]) -> None:
    """Forget tokens by their stored digests, now and again after the current
    transaction commits. Raises nothing."""
    key_hashes = list(key_hashes)
    for key_hash in key_hashes:
        _copies.forget(key_hash)
    keys = [token_cache_key(key_hash) for key_hash in key_hashes]
    if not keys:
        return
    tombstones = dict.fromkeys(keys, TOMBSTONE)
    cache.set_many(tombstones, TOKEN_CACHE_SECONDS)
    transaction.on_commit(lambda: cache.set_many(tombstones, TOKEN_CACHE_SECONDS))


def token_entries_forget_for_user(user_id: int) -> None:
    """Forget every token of an account (its activity, roles or profile changed).
    Raises nothing."""
    token_entries_forget(
        APIToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True)
    )


def _token_changed(instance: APIToken, **kwargs: Any) -> None:
    token_entries_forget([instance.key_hash])


def _account_saved(instance: Any, update_fields=None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # signing in changes nothing a token answers with
    token_entries_forget_for_user(instance.pk)


def token_cache_signals_connect() -> None:
    """Forget tokens when they change (revoked, deleted) and when their account
    does (deactivated, roles changed; a deleted account's tokens are deleted with
    it). The profile's app forgets them when a profile changes
    (``token_entries_forget_for_user``)."""
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_token_changed, sender=APIToken, dispatch_uid="api_token_saved")
    post_delete.connect(
        _token_changed, sender=APIToken, dispatch_uid="api_token_deleted"
    )
    post_save.connect(
        _account_saved, sender=get_user_model(), dispatch_uid="api_token_account"
    )
