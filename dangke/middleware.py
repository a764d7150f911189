"""Project-wide middleware: request ids, security headers, probes, server errors,
sign-in throttling.

``RequestIdMiddleware`` comes first: every log record of the request carries its id,
and the response names it in ``X-Request-ID``. ``ServerErrorMiddleware`` turns an
exception a view raised into the logged, id-naming 500 answer of
``dangke.server_errors`` (also when DEBUG is on: a tester of the demo must not see
settings and tracebacks). ``SignInThrottleMiddleware`` limits bearer-token guessing
at the API (password guessing is limited by the sign-in views themselves:
``themes.signin``, ``dangke.admin_signin``). This module imports no app.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from dangke import ratelimit
from dangke.logs import (
    REQUEST_ID_HEADER,
    request_id_from,
    request_id_reset,
    request_id_set,
)
from dangke.server_errors import server_error_log, server_error_response
from dangke.tokens import bearer_prefetch

GetResponse = Callable[[HttpRequest], HttpResponse]

# Exceptions Django answers as the client's fault (404, 403, 400): not server errors.
CLIENT_ERRORS = (
    Http404,
    PermissionDenied,
    BadRequest,
    SuspiciousOperation,
    MultiPartParserError,
)


class RequestIdMiddleware:
    """Take a sane incoming ``X-Request-ID`` or make one; expose it to logging for
    the request, as ``request.request_id``, and in the response header."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


# Browser features a page of ours may use: the camera (scanning a check-in or contest
# QR code), full screen and motion sensors (the player, 360° video); nothing else.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "fullscreen=(self)",
        "accelerometer=(self)",
        "gyroscope=(self)",
        "geolocation=()",
        "microphone=()",
        "payment=()",
        "usb=()",
        "serial=()",
    ]
)
# An API answer is data, never a document: nothing in it may load or run.
API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """The headers Django's SecurityMiddleware does not add: a Permissions-Policy on
    every response and a deny-all Content-Security-Policy on the API's data (the
    portal's pages get theirs from ``themes.middleware``; the API docs page, HTML,
    keeps none of ours)."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith("/api/") and "text/html" not in response.get(
            "Content-Type", ""
        ):
            response.setdefault("Content-Security-Policy", API_CONTENT_SECURITY_POLICY)
        return response


class ProbeMiddleware:
    """Answers ``/healthz`` and ``/readyz`` before anything looks at the Host header
    or the scheme: an orchestrator probes a container by its own address over plain
    HTTP, which ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBES:
            from dangke import views

            return getattr(views, PROBES[request.path_info])(request)
        return self.get_response(request)


PROBES = {"/healthz": "healthz", "/readyz": "readyz"}


class ServerErrorMiddleware:
    """A view's unexpected exception becomes the logged 500 naming the request id."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, CLIENT_ERRORS):
            return None
        server_error_log(request, exception)
        return server_error_response(request)


class SignInThrottleMiddleware:
    """Limits guessing of the API's bearer tokens: each request whose
    ``Authorization`` header carries a token that answers 401 counts against the
    client address; past ``API_BAD_TOKENS_PER_MINUTE`` the address gets 429 for the
    rest of the minute. (Passwords are limited where they are taken: the portal's
    ``themes.signin`` and the admin's ``dangke.admin_signin``, on shared counters.)
    """

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and request.headers.get(
            "Authorization", ""
        ).lower().startswith("bearer "):
            return self._bearer(request)
        return self.get_response(request)

    def _bearer(self, request: HttpRequest) -> HttpResponse:
        address = request.META.get("REMOTE_ADDR", "")
        limit = settings.API_BAD_TOKENS_PER_MINUTE
        token = request.headers["Authorization"][len("bearer ") :].strip()
        # One round trip for the count and the token's cached entry, which the
        # API's authentication then uses (``dangke.tokens``); none for a token this
        # process knows as valid, which is not a guess.
        count = bearer_prefetch(
            request,
            token=token,
            count_key=ratelimit.rate_limit_key(bucket="api-bad-token", who=address),
        )
        if count >= limit:
            from dangke.api_errors import problem_response

            return problem_response(
                status=429,
                detail="无效令牌过多，请稍后再试 (too many invalid bearer tokens)",
                code="rate_limited",
            )
        response = self.get_response(request)
        if response.status_code == 401:
            ratelimit.rate_limit_exceeded(bucket="api-bad-token", who=address, limit=0)
        return response
