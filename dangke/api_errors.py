"""One error shape for the whole API.

Wagtail's API v3 answers errors as RFC 7807 problem documents (``type``, ``title``,
``status``, ``detail``, and ``errors`` for validation). Every error from every router
also carries a machine-readable ``code`` so clients can branch on it, e.g.
``{"status": 404, "detail": "...", "code": "not_found"}``; our routers answer their
domain errors with their own ``{"detail", "code"}`` responses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus

from django.db import DataError, IntegrityError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from wagtail.api.v3.errors import DEFAULT_PROBLEM_TYPE, PROBLEM_JSON

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


def error_response(
    *, status: int, detail: str, code: str | None = None, **extra
) -> HttpResponse:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    payload = {
        "type": DEFAULT_PROBLEM_TYPE,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code or STATUS_CODES.get(status, "error"),
        **extra,
    }
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_JSON,
    )


def _with_code(handler: Callable) -> Callable:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        response = handler(request, exc)
        content_type = response.get("Content-Type", "")
        if response.status_code < 400 or "json" not in content_type:
            return response
        try:
            payload = json.loads(response.content)
        except ValueError:
            return response
        if isinstance(payload, dict) and "code" not in payload:
            payload["code"] = STATUS_CODES.get(response.status_code, "error")
            response.content = json.dumps(payload, ensure_ascii=False, default=str)
        return response

    return handle


def register_error_handlers(api: NinjaAPI) -> None:
    """Answer out-of-range numbers with a 400, and add a ``code`` to every error
    ``api`` answers."""

    # A number a client sent that no column can hold (an id, offset or year of 25
    # digits) fails in the database driver; it is the client's input, not our fault.
    @api.exception_handler(OverflowError)
    def number_too_large(request: HttpRequest, exc: OverflowError):
        return error_response(
            status=400,
            detail="A number in the request is out of range",
            code="out_of_range",
        )

    @api.exception_handler(IntegrityError)
    def sqlite_datatype_mismatch(request: HttpRequest, exc: IntegrityError):
        # SQLite's answer to an OFFSET or id beyond 64 bits; other integrity errors
        # are ours and stay server errors.
        if "datatype mismatch" in str(exc):
            return number_too_large(request, OverflowError(str(exc)))
        raise exc

    @api.exception_handler(DataError)
    def data_out_of_range(request: HttpRequest, exc: DataError):
        return error_response(
            status=400,
            detail=f"A value in the request cannot be stored or compared: {exc}".strip(),
            code="out_of_range",
        )

    for exc_class, handler in list(api._exception_handlers.items()):
        api._exception_handlers[exc_class] = _with_code(handler)
