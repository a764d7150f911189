"""The one base for refusals that the domain raises, and the kinds of refusal.

Services raise subclasses of ``DomainError`` carrying a ``detail`` (what is wrong, for
a person) and a ``code`` (a stable token, for a program); they never speak HTTP. Each
app keeps its own errors in ``<app>/errors.py``, each subclassing its app's base and,
where it is not a plain bad-input refusal, one of the kinds below, e.g.
``class LessonNotFound(LearningError, NotFound)``. ``dangke.api_errors`` maps the kinds
to statuses once for the whole API.

This module imports no app: every app may import it.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request refused by a business rule or bad input (the default kind).

    ``extra`` holds structured details a client may act on (e.g. the rows of a
    refused import); it is merged into the error document.
    """

    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra


class NotAuthenticated(DomainError):
    """The caller must sign in first."""

    code = "not_authenticated"


class NotPermitted(DomainError):
    """The caller is known but may not do this."""

    code = "permission_denied"


class NotFound(DomainError):
    """The object does not exist, or not for this caller."""

    code = "not_found"


class Conflict(DomainError):
    """The request contradicts the object's current state."""

    code = "conflict"


class Gone(DomainError):
    """The object existed and has expired."""

    code = "gone"


class PreconditionFailed(DomainError):
    """A protocol precondition (e.g. a version header) is not met."""

    code = "precondition_failed"


class TooLarge(DomainError):
    """The request carries more than is allowed."""

    code = "too_large"


class UnsupportedMediaType(DomainError):
    """The request body is of a type this operation does not take."""

    code = "unsupported_media_type"


class RateLimited(DomainError):
    """Too many requests in a short time."""

    code = "rate_limited"


class ChecksumMismatch(DomainError):
    """Received bytes do not match the checksum the client declared."""

    code = "checksum_mismatch"
