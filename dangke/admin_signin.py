"""The Wagtail admin's sign-in and password reset, with their limits.

The sign-in counts each attempt before the password is checked, on the counters the
portal's sign-in uses (``dangke.ratelimit.signin_attempt``), so concurrent tries
cannot pass the limit; the password reset counts each request per target e-mail and
per client address (``dangke.ratelimit.password_reset_attempt``), so the form
cannot flood a mailbox. Both answer 429 with ``Retry-After`` when over the limit.
``dangke.urls`` routes Wagtail's two URLs (and names) to these views.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from wagtail.admin.views import account

from dangke import ratelimit


def _too_many(detail: str, retry_after: int) -> HttpResponse:
    return HttpResponse(
        detail,
        status=429,
        content_type="text/plain; charset=utf-8",
        headers={"Retry-After": str(retry_after)},
    )


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


class LimitedLoginView(account.LoginView):
    """Wagtail's admin sign-in; past the limit a POST is refused before the
    password is checked, whether it is right or not."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username = request.POST.get("username", "")
        if not ratelimit.signin_attempt(address=_address(request), username=username):
            return _too_many(
                "登录失败次数过多，请稍后再试 (too many failed sign-ins; try later)",
                ratelimit.SIGNIN_WINDOW_SECONDS,
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        ratelimit.signin_succeeded(
            address=_address(self.request),
            username=self.request.POST.get("username", ""),
        )
        return super().form_valid(form)


class LimitedPasswordResetView(account.PasswordResetView):
    """Wagtail's admin password reset; past the limit a POST sends no mail."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not ratelimit.password_reset_attempt(
            address=_address(request), email=request.POST.get("email", "")
        ):
            return _too_many(
                "密码重置请求过于频繁，请稍后再试 (too many password resets; try later)",
                ratelimit.PASSWORD_RESET_WINDOW_SECONDS,
            )
        return super().post(request, *args, **kwargs)
