"""Sign-in attempts are limited per account and per client address, so a password
cannot be guessed by trying: each attempt is counted before its password is checked,
and after ``PORTAL_SIGNIN_FAILURES_ALLOWED`` of them in ``SIGNIN_WINDOW_SECONDS``
further attempts are refused, a right password too, until the window passes. The
counters are ``dangke.ratelimit``'s, shared with the Wagtail admin's sign-in."""

from __future__ import annotations

from django.http import HttpRequest

from dangke import ratelimit
from dangke.ratelimit import SIGNIN_WINDOW_SECONDS

__all__ = ["SIGNIN_WINDOW_SECONDS", "signin_attempt", "signin_succeeded"]


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def signin_attempt(request: HttpRequest, username: str) -> bool:
    """Count the attempt; whether its password may be checked."""
    return ratelimit.signin_attempt(address=_address(request), username=username)


def signin_succeeded(request: HttpRequest, username: str) -> None:
    ratelimit.signin_succeeded(address=_address(request), username=username)
