"""One error shape for the whole API.

Every error of every endpoint is an RFC 7807 problem document
(``application/problem+json``) with ``type``, ``title``, ``status``, ``detail`` (what
is wrong, for a person) and ``code`` (for a program), e.g.
``{"status": 404, "detail": "...", "code": "lesson_not_found"}``; validation errors
add ``errors``. Services raise ``dangke.errors.DomainError`` subclasses and never speak
HTTP: ``STATUS_BY_KIND`` below is the one place a kind of refusal becomes a status.
``ErrorOut`` is the one schema every operation documents its errors with
(``response={200: LessonOut, **error_responses(400, 404)}``).
"""

from __future__ import annotations

import functools
import json
from http import HTTPStatus
from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticValidationError
from wagtail.api.rich_text import RichTextFormatError
from wagtail.api.v3.errors import DEFAULT_PROBLEM_TYPE, PROBLEM_JSON
from wagtail.utils.forms import FormValidationError

from dangke import errors
from dangke.server_errors import server_error_log, server_error_response

# The kinds of refusal and their statuses, most specific first in each chain; a
# subclass of several kinds takes the first its MRO reaches.
STATUS_BY_KIND: dict[type[errors.DomainError], int] = {
    errors.NotAuthenticated: 401,
    errors.NotPermitted: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PreconditionFailed: 412,
    errors.TooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.RateLimited: 429,
    errors.ChecksumMismatch: 460,  # tus checksum extension
    errors.DomainError: 400,
}

# A body Django cannot read, met wherever it is first read (a form, a JSON payload,
# the CSRF check of a session): the client's fault, said in words.
BODY_PROBLEMS: dict[type[Exception], tuple[int, str, str]] = {
    MultiPartParserError: (
        400,
        "bad_multipart",
        "multipart 表单无法解析：{exc} (unreadable multipart body)",
    ),
    RequestDataTooBig: (413, "too_large", "请求体超过上限 (request body too large)"),
    TooManyFieldsSent: (
        400,
        "too_many_parts",
        "表单字段或文件过多 (too many form parts): {exc}",
    ),
    TooManyFilesSent: (
        400,
        "too_many_parts",
        "表单字段或文件过多 (too many form parts): {exc}",
    ),
    UnreadablePostError: (
        400,
        "body_interrupted",
        "请求体读取中断，请重新发送 (request body interrupted)",
    ),
}

# The code of a problem a framework raised without one of ours.
STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    460: "checksum_mismatch",
    500: "server_error",
}


class ErrorOut(Schema):
    """A problem document (RFC 7807) with dangke's machine-readable ``code``."""

    model_config = ConfigDict(extra="allow")

    type: str = DEFAULT_PROBLEM_TYPE
    title: str
    status: int
    detail: str
    code: str
    errors: list[dict[str, Any]] | None = None


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The ``response=`` entries documenting an operation's error statuses."""
    return dict.fromkeys(statuses, ErrorOut)


def status_for(error: errors.DomainError) -> int:
    """The HTTP status of a domain error, by the first kind in its MRO."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_KIND:
            return STATUS_BY_KIND[cls]
    return 400


def problem_response(
    *,
    status: int,
    detail: str,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> HttpResponse:
    """An ``application/problem+json`` response of the one shape."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    payload: dict[str, Any] = {
        "type": DEFAULT_PROBLEM_TYPE,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code or STATUS_CODES.get(status, "error"),
        **extra,
    }
    if errors is not None:
        payload["errors"] = errors
    return HttpResponse(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status,
        content_type=PROBLEM_JSON,
    )


def domain_error_response(error: errors.DomainError) -> HttpResponse:
    """The problem document for a refusal a service raised."""
    return problem_response(
        status=status_for(error), detail=error.detail, code=error.code, **error.extra
    )


def _validation_errors(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, FormValidationError):
        return [
            {"type": code, "loc": list(path), "msg": message}
            for path, coded_messages in exc.loc_errors
            for message, code in coded_messages
        ]
    if isinstance(exc, DjangoValidationError):
        return [{"msg": message} for message in exc.messages]
    if isinstance(exc, NinjaValidationError):
        return exc.errors
    # Pydantic's "input" echoes what the client sent; it helps no one here.
    return [
        {key: value for key, value in error.items() if key != "input"}
        for error in exc.errors()
    ]


def _validation_detail(found: list[dict[str, Any]]) -> str:
    """ "Validation failed" naming the first few fields and what is wrong with them,
    e.g. ``Validation failed: body.payload.mode: Input should be 'video' or 'audio'``.
    """
    named = [
        f"{'.'.join(map(str, error['loc']))}: {error.get('msg', '')}".strip()
        if error.get("loc")
        else str(error.get("msg", ""))
        for error in found[:3]
    ]
    more = f" (+{len(found) - 3} more)" if len(found) > 3 else ""
    return "Validation failed" + (f": {'; '.join(named)}{more}" if named else "")


def register_error_handlers(api: NinjaAPI) -> None:
    """Answer every error ``api`` raises with the one problem shape.

    Registered through ninja's public ``exception_handler``; the handlers for the
    framework's own exceptions replace Wagtail's (same documents, plus ``code``).
    Unexpected exceptions are logged server errors whose body names only the
    request id (``dangke.server_errors``).
    """

    @api.exception_handler(errors.DomainError)
    def domain_error(request: HttpRequest, exc: errors.DomainError):
        return domain_error_response(exc)

    @api.exception_handler(PydanticValidationError)
    @api.exception_handler(NinjaValidationError)
    @api.exception_handler(DjangoValidationError)
    def validation_error(request: HttpRequest, exc: Exception):
        found = _validation_errors(exc)
        return problem_response(
            status=422, detail=_validation_detail(found), errors=found
        )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied):
        # The page endpoints never trust a session: 401 unless a token resolved.
        if not request.user.is_authenticated:
            return problem_response(status=401, detail="Authentication required")
        return problem_response(status=403, detail=str(exc) or "Permission denied")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        return problem_response(status=404, detail=str(exc) or "Not found")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        return problem_response(status=exc.status_code, detail=str(exc))

    def unreadable_body(
        request: HttpRequest, exc: Exception, *, answer: tuple[int, str, str]
    ):
        status, code, detail = answer
        return problem_response(status=status, detail=detail.format(exc=exc), code=code)

    for kind, answer in BODY_PROBLEMS.items():
        api.exception_handler(kind)(functools.partial(unreadable_body, answer=answer))

    @api.exception_handler(RichTextFormatError)
    def rich_text_format(request: HttpRequest, exc: RichTextFormatError):
        return problem_response(status=400, detail=str(exc))

    # A number a client sent that no column can hold (an id, offset or year of 25
    # digits) fails in the database driver; it is the client's input, not our fault.
    @api.exception_handler(OverflowError)
    def number_too_large(request: HttpRequest, exc: OverflowError):
        return problem_response(
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

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception):
        # Logged with its traceback under the request id; the body names only the id
        # (an exception's text may name tables, hosts or someone's data).
        server_error_log(request, exc)
        return server_error_response(request)

    @api.exception_handler(DataError)
    def data_out_of_range(request: HttpRequest, exc: DataError):
        return problem_response(
            status=400,
            detail=f"A value in the request cannot be stored or compared: {exc}".strip(),
            code="out_of_range",
        )
