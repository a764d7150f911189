"""Sign-in attempts are limited per account and per client address, so a password
cannot be guessed by trying: after ``PORTAL_SIGNIN_FAILURES_ALLOWED`` wrong passwords
in ``SIGNIN_WINDOW_SECONDS``, further attempts are refused until the window passes.
The counters are ``dangke.ratelimit``'s, shared with the Wagtail admin's sign-in."""

from __future__ import annotations

from django.http import HttpRequest

from dangke import ratelimit
from dangke.ratelimit import SIGNIN_WINDOW_SECONDS

__all__ = ["SIGNIN_WINDOW_SECONDS", "signin_blocked", "signin_failed"]


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def signin_blocked(request: HttpRequest, username: str) -> bool:
    return ratelimit.signin_blocked(address=_address(request), username=username)


def signin_failed(request: HttpRequest, username: str) -> None:
    ratelimit.signin_failed(address=_address(request), username=username)


def signin_succeeded(request: HttpRequest, username: str) -> None:
    ratelimit.signin_succeeded(username=username)
