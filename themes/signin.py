"""Sign-in attempts are limited per account and per client address, so a password
cannot be guessed by trying: each attempt is counted before its password is checked,
and after ``PORTAL_SIGNIN_FAILURES_ALLOWED`` of them in ``SIGNIN_WINDOW_SECONDS``
further attempts are refused, a right password too, until the window passes. The
counters are ``dangke.ratelimit``'s, shared with the Wagtail admin's sign-in. A
page's password (Wagtail's password restriction) is limited the same way, per page
and address (``page_password_view``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from wagtail import views as wagtail_views

from dangke import ratelimit
from dangke.ratelimit import SIGNIN_WINDOW_SECONDS

__all__ = [
    "SIGNIN_WINDOW_SECONDS",
    "page_password_view",
    "signin_attempt",
    "signin_succeeded",
]


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def signin_attempt(request: HttpRequest, username: str) -> bool:
    """Count the attempt; whether its password may be checked."""
    return ratelimit.signin_attempt(address=_address(request), username=username)


def signin_succeeded(request: HttpRequest, username: str) -> None:
    ratelimit.signin_succeeded(address=_address(request), username=username)


def page_password_view(
    request: HttpRequest, page_view_restriction_id: int, page_id: int
) -> HttpResponse:
    """Wagtail's form for a page's password (``wagtailcore_authenticate_with_password``)
    with the sign-in limits: past them a POST is refused before the password is
    compared."""
    address = _address(request)
    if request.method == "POST":
        if not ratelimit.page_password_attempt(
            address=address, restriction_id=page_view_restriction_id
        ):
            return HttpResponse(
                "密码尝试过于频繁，请 15 分钟后再试 (too many password attempts)",
                status=429,
                content_type="text/plain; charset=utf-8",
                headers={"Retry-After": str(SIGNIN_WINDOW_SECONDS)},
            )
    response = wagtail_views.authenticate_with_password(
        request, page_view_restriction_id, page_id
    )
    if request.method == "POST" and response.status_code in (301, 302, 303):
        ratelimit.page_password_succeeded(
            address=address, restriction_id=page_view_restriction_id
        )
    return response
