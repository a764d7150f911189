"""Logs as one JSON object a line, each carrying the id of the request it belongs to.

``RequestIdMiddleware`` (``dangke.middleware``) sets the current request's id for the
duration of the request; ``RequestIdFilter`` copies it onto every log record (``-``
outside a request); ``JsonFormatter`` writes the record. The id is also sent back in
the ``X-Request-ID`` response header and named in a server-error page, so a person
reporting an error gives the operator the line to look for. ``ConsoleHandler``
keeps the terminal quiet: the console shows warnings and the request lines, while
everything else goes only to the log file (``settings.LOG_FILE``). This module imports
no app.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may be (a proxy's or a client's): short, and nothing that could
# forge a log line or a header.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
NO_REQUEST = "-"

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "dangke_request_id", default=NO_REQUEST
)


def request_id_from(incoming: str | None) -> str:
    """``incoming`` when it is a sane id (1–64 of ``A-Z a-z 0-9 . _ : -``, starting
    with a letter or digit), else a new random one."""
    if incoming and REQUEST_ID_PATTERN.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_current() -> str:
    """The id of the request being served in this context (``-`` outside one)."""
    return _request_id.get()


def request_id_set(value: str) -> contextvars.Token:
    return _request_id.set(value)


def request_id_reset(token: contextvars.Token) -> None:
    _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record passing the handler it is attached to."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            # Django logs a 4xx/5xx response ("Not Found: /x") after the middleware
            # has returned, with the request attached.
            request = getattr(record, "request", None)
            record.request_id = (
                getattr(request, "request_id", None) or request_id_current()
            )
        return True


class ConsoleHandler(logging.StreamHandler):
    """The terminal's handler: writes a record at ``shown_from`` or above, or one from an
    ``always`` logger (or its children), such as ``django.server``'s one line per
    request; the rest is left to the log file."""

    def __init__(
        self,
        stream=None,
        *,
        shown_from: str | int = "WARNING",
        always: list[str] | None = None,
    ):
        super().__init__(stream)
        self.shown_from = (
            logging.getLevelName(shown_from)
            if isinstance(shown_from, str)
            else shown_from
        )
        self.always = tuple(always or ())

    def filter(self, record: logging.LogRecord) -> bool:
        shown = record.levelno >= self.shown_from or any(
            record.name == name or record.name.startswith(name + ".")
            for name in self.always
        )
        return shown and bool(super().filter(record))


# LogRecord attributes that are not extra fields a caller passed; Django's
# ``request`` extra is left out too (the message names the path).
_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "request",
}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message,
    request_id, the exception and stack when there is one, and any ``extra=``
    fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_current(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
