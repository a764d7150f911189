"""Refusals the content app raises (see ``dangke.errors``)."""

from dangke.errors import DomainError


class ContentError(DomainError):
    """Base of cms's refusals."""


class BadPageQuery(ContentError):
    code = "bad_request"


class LessonPlacementRefused(ContentError):
    """An approved submission cannot go where it was asked to."""

    code = "placement_refused"
