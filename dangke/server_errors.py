"""What a person sees when the server fails: that it was logged, and the request id.

Never the exception's text (it may name tables, hosts, paths or someone's data): the
exception and its traceback go to the log, under the same request id the body and the
``X-Request-ID`` header name. The API answers with a problem document, every other
path with a small HTML page. This module imports no app.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader

from dangke.logs import request_id_current

logger = logging.getLogger("dangke.errors")

API_PREFIX = "/api/"


def server_error_detail(request_id: str) -> str:
    return f"服务器内部错误，已记录 (server error, logged)。请求编号 request id: {request_id}"


def server_error_log(request: HttpRequest, exc: BaseException) -> None:
    """Log ``exc`` (with its traceback) as the failure of ``request``."""
    logger.error(
        "Server error on %s %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"status_code": 500},
    )


def server_error_response(request: HttpRequest) -> HttpResponse:
    """The 500 answer for ``request``: a problem document under ``/api/``, an HTML
    page elsewhere, each naming only the request id."""
    request_id = getattr(request, "request_id", None) or request_id_current()
    if request.path.startswith(API_PREFIX):
        from dangke.api_errors import problem_response

        response = problem_response(
            status=500,
            detail=server_error_detail(request_id),
            code="server_error",
            request_id=request_id,
        )
    else:
        try:
            body = loader.render_to_string(
                "dangke/500.html", {"request_id": request_id}
            )
        except Exception:  # noqa: BLE001 - the error page itself must not fail
            body = f"<!doctype html><p>{server_error_detail(request_id)}</p>"
        response = HttpResponse(body, status=500, content_type="text/html")
    # Logged by server_error_log, with the traceback; Django need not log it again.
    response._has_been_logged = True
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    """Django's ``handler500``: for failures outside a view (in a middleware)."""
    return server_error_response(request)
