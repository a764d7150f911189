"""Authentication for the learning API: bearer tokens (answered from the shared cache,
``dangke.tokens``, since a playing client sends a beat every few seconds) or the
portal's Django session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import timezone
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from dangke.tokens import (
    token_cache_key,
    token_digest,
    token_entry_keep,
    token_memo_forget,
    token_memo_get,
    token_memo_keep,
    token_memo_stamp_due,
)
from learning.progress_store import Credentials, bearer_entry_read
from learning.selectors import member_from_fields, remember_member
from learning.selectors.scoping import MEMBER_FIELDS

NOT_LOOKED_UP = object()  # ``request.bearer_entry`` when the middleware did not look


class RememberedBearerTokenAuth(BearerTokenAuth):
    """Wagtail's bearer tokens, answered from the shared cache when it has the token.

    A token it does not have is looked up with its account and the account's member
    profile in one query (a heartbeat needs all three) and kept in the shared cache
    for a minute (``dangke.tokens``); changes to any of the three forget it at once.
    This process keeps its own copy for the heartbeat, which checks it on every
    beat (``_heartbeat_signed_in``).
    ``request.user`` is then a lightweight user with the right id and roles, and the
    member profile is remembered for ``member_for_user``. Only valid tokens of
    active accounts are kept; anything else goes to the database every time, and a
    string that cannot be a token (format and checksum) never does.
    """

    def __init__(self, *, heartbeat: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.heartbeat = heartbeat

    def authenticate(self, request, token: str):
        if not APIToken.validate_token_format(token):
            request.user = AnonymousUser()  # as Wagtail's BearerTokenAuth does
            return None
        digest = token_digest(token)
        if self.heartbeat:
            entry = token_memo_get(digest)
            if entry is not None and entry["member"] is not None:
                return _heartbeat_signed_in(request, token, entry)
        # SignInThrottleMiddleware fetched it with the invalid-token count.
        entry = getattr(request, "bearer_entry", NOT_LOOKED_UP)
        if entry is NOT_LOOKED_UP:
            entry = cache.get(token_cache_key(digest))
        from_database = not entry
        if from_database:
            entry = self._entry_from_database(token)
            if entry is None:
                token_memo_forget(digest)  # no longer valid, if it was here
                request.user = AnonymousUser()
                return None
        # A token matched under a fallback secret is not kept: its stored digest is
        # not the key, so forgetting it could not find the entry.
        if entry["key_hash"] == digest:
            if from_database:
                token_entry_keep(digest, entry)
            token_memo_keep(digest, entry)
        return _signed_in(request, entry)

    def _entry_from_database(self, token: str) -> dict[str, Any] | None:
        return bearer_entry_read(
            APIToken.candidate_key_hashes(token),
            now=timezone.now(),
            member_fields=MEMBER_FIELDS,
        )


def _heartbeat_signed_in(request, token: str, entry: dict[str, Any]):
    """For the heartbeat only (``heartbeat=True``): a token this process already
    knows is taken from its own memory with no round trip, as
    ``request.heartbeat_credentials``, which the heartbeat's read checks against the
    database in the same query (``learning.progress_store.Credentials``), and
    ``request.heartbeat_member``, the member the beat is for;
    ``heartbeat_reauthenticate`` then handles a token that changed meanwhile.

    Only what the read checks (or the beat does not use) is taken from the copy, so
    it is not passed on to the process's member memo, which other requests trust."""
    member = entry["member"]
    request.heartbeat_credentials = Credentials(
        token_hash=entry["key_hash"],
        organisation_id=member["organisation_id"],
        member_type=member["member_type"],
        stamp_last_used=token_memo_stamp_due(entry["key_hash"]),
    )
    request.heartbeat_token = token
    request.heartbeat_member = member_from_fields(
        user_id=entry["user"][0], fields=member
    )
    request.user = _user(entry)
    return entry


def heartbeat_reauthenticate(request) -> bool:
    """After the heartbeat's read found ``request.heartbeat_credentials`` no longer
    hold: forget this process's copy and authenticate afresh (shared cache, then
    database). False if the token is no longer valid."""
    credentials = request.heartbeat_credentials
    token_memo_forget(credentials.token_hash)
    del request.heartbeat_credentials, request.heartbeat_member
    request.bearer_entry = NOT_LOOKED_UP
    return (
        RememberedBearerTokenAuth().authenticate(request, request.heartbeat_token)
        is not None
    )


def _signed_in(request, entry: dict[str, Any]) -> dict[str, Any]:
    request.user = _user(entry)
    remember_member(user_id=request.user.pk, fields=entry["member"])
    return entry


def _user(entry: dict[str, Any]):
    """A lightweight user with the entry's id and roles."""
    user_id, username, is_superuser, is_staff = entry["user"]
    user = get_user_model()(
        pk=user_id,
        username=username,
        is_active=True,
        is_superuser=is_superuser,
        is_staff=is_staff,
    )
    user._state.adding = False
    return user
