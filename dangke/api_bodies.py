"""Request bodies the API reads: JSON of a bounded depth, small multipart forms.

JSON bodies are parsed by ``JsonParser`` (the API's parser, installed by
``dangke.api_requests``), which refuses a body nested deeper than
``JSON_MAX_DEPTH`` arrays and objects with a 400 ``json_too_deep`` before parsing it:
Python's parser recurses once per level, and a thousand levels of ``[`` are a
``RecursionError``, a server error anyone could cause. The depth is measured by a
scan of the bytes that does not recurse.

Multipart form bodies are checked before an operation reads them.

An operation that takes a file in a ``multipart/form-data`` form (a subtitle track)
is wrapped with ``multipart_form`` through ninja's ``decorate_view``; before any
parsing or authentication, a body that cannot be what the operation takes is answered
with a problem document naming the problem:

- 413 ``too_large``: the declared ``Content-Length`` is above the operation's limit
  (refused before a byte is read, so a huge declared length costs nothing);
- 415 ``unsupported_media_type``: not ``multipart/form-data``;
- 400 ``bad_multipart``: no usable boundary, or a body the parser cannot read;
- 400 ``truncated_body``: the body stops before the closing boundary;
- 400 ``file_missing`` / ``empty_file``: the form lacks a file field, or it is empty.

The body is held in memory (it is at most ``max_bytes``), so this is for small
uploads; videos arrive through the tus endpoints, which stream to disk.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja.parser import Parser

from dangke import errors
from dangke.api_errors import problem_response

# Arrays and objects inside one another; the API's bodies use a handful of levels
# (a page's StreamField a dozen at most).
JSON_MAX_DEPTH = 32

# A complete JSON string, escapes included (the "unrolled loop": linear, no
# backtracking); what is left once they are removed is structure and scalars.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_OPENING = frozenset(b"[{")


class JsonTooDeep(errors.DomainError):
    code = "json_too_deep"


def json_depth(body: bytes, *, stop_above: int | None = None) -> int:
    """How deeply arrays and objects nest in the JSON text ``body`` (0 for a
    scalar), counting brackets outside strings; counting stops as soon as it
    passes ``stop_above``. Invalid JSON gets a number too: the parser refuses it
    afterwards. Raises nothing."""
    encoding = json.detect_encoding(body)
    if encoding not in ("utf-8", "utf-8-sig"):  # UTF-16 or UTF-32, as json reads
        try:
            body = body.decode(encoding, "surrogatepass").encode("utf-8", "replace")
        except UnicodeDecodeError:
            return 0  # json.loads refuses it too
    structure = _JSON_STRING.sub(b"", body)
    unterminated = structure.find(b'"')
    if unterminated != -1:  # the rest is inside a string that never ends
        structure = structure[:unterminated]
    depth = deepest = 0
    for byte in structure.translate(None, _NOT_BRACKETS):
        if byte in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


class JsonParser(Parser):
    """ninja's JSON parser, refusing bodies nested deeper than ``JSON_MAX_DEPTH``
    (``JsonTooDeep``, a 400) before parsing them."""

    def parse_body(self, request: HttpRequest) -> Any:
        if json_depth(request.body, stop_above=JSON_MAX_DEPTH) > JSON_MAX_DEPTH:
            raise JsonTooDeep(
                f"JSON 嵌套过深：数组和对象最多嵌套 {JSON_MAX_DEPTH} 层 "
                f"(JSON nested deeper than {JSON_MAX_DEPTH} levels)"
            )
        return super().parse_body(request)


MULTIPART = "multipart/form-data"


def _declared_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or ""
    return int(raw) if raw.isascii() and raw.isdigit() else None


def multipart_form_problem(
    request: HttpRequest, *, max_bytes: int, files: Sequence[str]
) -> HttpResponse | None:
    """The problem document for a body that is not a readable multipart form with
    a non-empty file in each of ``files`` and at most ``max_bytes`` long; None when
    the body is fine (it is then parsed: ``request.POST`` and ``request.FILES``)."""
    declared = _declared_length(request)
    if declared is not None and declared > max_bytes:
        return problem_response(
            status=413,
            detail=f"请求体 {declared} 字节超过上限 {max_bytes} 字节 "
            "(request body too large)",
            code="too_large",
        )
    if request.content_type != MULTIPART:
        sent = request.content_type or "无 (none)"
        return problem_response(
            status=415,
            detail=f"请以 {MULTIPART} 表单上传文件，收到的 Content-Type 为 {sent} "
            "(expected a multipart form)",
            code="unsupported_media_type",
        )
    boundary = request.content_params.get("boundary", "")
    if not boundary:
        return problem_response(
            status=400,
            detail="multipart/form-data 请求缺少 boundary 参数，无法读取表单 "
            "(multipart body without a boundary)",
            code="bad_multipart",
        )
    body = request.body
    if b"--" + boundary.encode("latin-1", "replace") + b"--" not in body[-4096:]:
        return problem_response(
            status=400,
            detail="请求体不完整：没有 multipart 结束分隔符，上传可能被中断 "
            "(truncated multipart body)",
            code="truncated_body",
        )
    try:
        uploaded = request.FILES
    except MultiPartParserError as exc:
        return problem_response(
            status=400,
            detail=f"multipart 表单无法解析：{exc} (unreadable multipart body)",
            code="bad_multipart",
        )
    for name in files:
        if name not in uploaded:
            return problem_response(
                status=400,
                detail=f"表单缺少文件字段 {name!r} (no file in field {name!r})",
                code="file_missing",
            )
        if not uploaded[name].size:
            return problem_response(
                status=400,
                detail=f"上传的文件 {name!r} 为空 (the uploaded file is empty)",
                code="empty_file",
            )
    return None


def multipart_form(
    *, max_bytes: int, files: Sequence[str] = ("file",)
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A ``decorate_view`` decorator refusing bodies ``multipart_form_problem``
    refuses, before the operation parses or authenticates anything."""

    def decorator(run: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            problem = multipart_form_problem(request, max_bytes=max_bytes, files=files)
            return problem if problem is not None else run(request, *args, **kwargs)

        return checked

    return decorator
