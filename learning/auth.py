"""Authentication for the learning API: bearer tokens (remembered for a few seconds
per process, since a playing client sends a beat every few seconds) or the portal's
Django session."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from wagtail.api.v3.auth import BearerTokenAuth

TOKEN_MEMO_SECONDS = 10.0  # a revoked token stops working within this time
_memo: dict[str, tuple[float, int, str]] = {}


class RememberedBearerTokenAuth(BearerTokenAuth):
    """Wagtail's bearer tokens, with a short per-process memo of valid tokens.

    Only valid tokens of active users are remembered; anything else goes to the
    database every time. ``request.user`` is a lightweight user with the right id.
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
        api_token = super().authenticate(request, token)
        if api_token is not None:
            if len(_memo) > 50_000:
                _memo.clear()
            _memo[token] = (
                now + TOKEN_MEMO_SECONDS,
                request.user.pk,
                request.user.get_username(),
                request.user.is_superuser,
                request.user.is_staff,
            )
        return api_token


def token_memo_forget(**kwargs) -> None:
    """Forget every remembered token (the memo is keyed by plaintext, so a revoked
    token cannot be picked out); connected to saves and deletes of APIToken."""
    _memo.clear()
