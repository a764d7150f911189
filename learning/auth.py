"""Authentication for the learning API: bearer tokens (remembered for a few seconds
per process, since a playing client sends a beat every few seconds) or the portal's
Django session."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from learning.selectors import remember_member

TOKEN_MEMO_SECONDS = 10.0  # a revoked token stops working within this time
_memo: dict[str, tuple[float, int, str, bool, bool]] = {}


class RememberedBearerTokenAuth(BearerTokenAuth):
    """Wagtail's bearer tokens, with a short per-process memo of valid tokens.

    Only valid tokens of active users are remembered; anything else goes to the
    database every time. ``request.user`` is a lightweight user with the right id.
    A token the memo does not hold is looked up with its user and the user's member
    profile in one query (a heartbeat needs all three), which fills the member memo.
    """

    def authenticate(self, request, token: str):
        now = time.monotonic()
        memo = _memo.get(token)
        if memo is not None and memo[0] > now:
            User = get_user_model()
            user = User(
                pk=memo[1],
                username=memo[2],
                is_active=True,
                is_superuser=memo[3],
                is_staff=memo[4],
            )
            user._state.adding = False
            request.user = user
            return memo
        api_token = self._token_with_member(token)
        if api_token is None or not api_token.user.is_active:
            request.user = AnonymousUser()  # as Wagtail's BearerTokenAuth does
            return None
        user = api_token.user
        request.user = user
        self._touch_last_used(api_token)
        try:
            remember_member(user_id=user.pk, member=user.party_member)
        except ObjectDoesNotExist:
            remember_member(user_id=user.pk, member=None)
        if len(_memo) > 50_000:
            _memo.clear()
        _memo[token] = (
            now + TOKEN_MEMO_SECONDS,
            user.pk,
            user.get_username(),
            user.is_superuser,
            user.is_staff,
        )
        return api_token

    @staticmethod
    def _token_with_member(token: str) -> APIToken | None:
        return (
            APIToken.objects.select_related("user", "user__party_member")
            .filter(
                key_hash__in=APIToken.candidate_key_hashes(token),
                revoked_at__isnull=True,
            )
            .first()
        )


def token_memo_forget(**kwargs) -> None:
    """Forget every remembered token (the memo is keyed by plaintext, so a revoked
    token cannot be picked out); connected to saves and deletes of APIToken."""
    _memo.clear()
