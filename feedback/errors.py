"""Refusals of the feedback channel: a ``detail`` for a person, a ``code`` for a
program, no HTTP (``dangke.api_errors`` maps the kinds). Plain ``FeedbackError``
subclasses are bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, RateLimited


class FeedbackError(DomainError):
    """Base of every refusal raised by feedback."""

    code = "invalid"


class InvalidFeedback(FeedbackError):
    """A submission or an answer with a missing, unknown or too long field."""

    code = "invalid_feedback"


class FeedbackNotFound(FeedbackError, NotFound):
    code = "feedback_not_found"


class FeedbackTooOften(FeedbackError, RateLimited):
    code = "rate_limited"


class TooManyOpen(FeedbackError, Conflict):
    """More open submissions than one account may have waiting at once."""

    code = "too_many_open"
