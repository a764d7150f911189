"""Refusals of 心得体会: a ``detail`` for a person, a ``code`` for a program, no
HTTP (``dangke.api_errors`` maps the kinds). Plain ``ReflectionError`` subclasses
are bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted, RateLimited


class ReflectionError(DomainError):
    """Base of every refusal raised by reflections."""

    code = "invalid"


class InvalidReflection(ReflectionError):
    """A reflection, a reply or a mark with a missing, unknown or too long field."""

    code = "invalid_reflection"


class TargetNotFound(ReflectionError, NotFound):
    """The (kind, id) names nothing the member took part in or may see."""

    code = "target_not_found"


class ReflectionNotFound(ReflectionError, NotFound):
    code = "reflection_not_found"


class NotAMember(ReflectionError, NotPermitted):
    """Only members write reflections."""

    code = "not_a_member"


class AlreadyWritten(ReflectionError, Conflict):
    """One reflection per member and target: the member edits the one they wrote."""

    code = "already_written"


class ReflectionTooOften(ReflectionError, RateLimited):
    code = "rate_limited"


class OrganisationNotFound(ReflectionError, NotFound):
    code = "organisation_not_found"
