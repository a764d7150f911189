"""Refusals of the learning app: what a service or the learning API says no with.

Each carries a ``detail`` (for a person) and a ``code`` (for a program) and no HTTP:
the kind it also subclasses (``dangke.errors``) decides the status, once, in
``dangke.api_errors``. Plain ``LearningError`` subclasses are bad input (400).
"""

from __future__ import annotations

from django.conf import settings

from dangke.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)


class LearningError(DomainError):
    """Base of every refusal raised by learning."""

    code = "invalid"


# --- bad input (400) ----------------------------------------------------------------


class InvalidHeartbeat(LearningError):
    """A heartbeat with numbers that cannot be right (NaN, beyond the duration…)."""

    code = "invalid_heartbeat"


class CheckinRefused(LearningError):
    """A check-in outside the window or with a wrong or expired code."""

    code = "checkin_refused"


class InvalidReportQuery(LearningError):
    """A report asked for with contradicting or out-of-range parameters."""

    code = "invalid_report_query"


class ImportFailed(LearningError):
    """An import refused as a whole; ``errors`` lists ``(row number, message)``."""

    code = "import_failed"

    def __init__(self, errors: list[tuple[int, str]]):
        # Every bad row is kept in ``errors``; a document lists the first
        # IMPORT_MAX_LISTED_ERRORS and counts the rest in ``more``.
        listed = settings.IMPORT_MAX_LISTED_ERRORS
        super().__init__(
            f"{len(errors)} 行有错误，未导入任何数据",
            errors=[{"row": row, "msg": message} for row, message in errors[:listed]],
            more=max(0, len(errors) - listed),
        )
        self.errors = errors


# --- not found (404) ----------------------------------------------------------------


class LessonNotFound(LearningError, NotFound):
    """No live, public micro-lesson or VR courseware with that id."""

    code = "lesson_not_found"


class CourseNotFound(LearningError, NotFound):
    """No live, public course with that id."""

    code = "course_not_found"


class TopicNotFound(LearningError, NotFound):
    """No live, public topic with that id."""

    code = "topic_not_found"


class SessionNotFound(LearningError, NotFound):
    """No training session with that id."""

    code = "session_not_found"


class OrganisationNotFound(LearningError, NotFound):
    """No organisation with that code."""

    code = "organisation_not_found"


# --- not permitted (403) ------------------------------------------------------------


class NotAMember(LearningError, NotPermitted):
    """The signed-in account has no member profile, so no learning record."""

    code = "not_a_member"


class OutOfReach(LearningError, NotPermitted):
    """The lesson (or course) is neither meant for the member's type nor assigned."""

    code = "lesson_out_of_reach"


class NotInvited(LearningError, NotPermitted):
    """A check-in at a class whose attendance is limited to another organisation's
    subtree."""

    code = "checkin_not_invited"


class OutOfScope(LearningError, NotPermitted):
    """The organisation lies outside the subtrees the user administers."""

    code = "out_of_scope"


# --- conflicts (409) and rate limits (429) ------------------------------------------


class ProgressConflict(LearningError, Conflict):
    """The request contradicts the current state (a lesson without a duration, a
    progress row too busy to write)."""

    code = "conflict"


class NotElective(LearningError, Conflict):
    """Self-enrolment in a compulsory course (those are assigned)."""

    code = "not_elective"


class TooFrequent(LearningError, RateLimited):
    """Too many heartbeats or check-in attempts in a short time."""

    code = "rate_limited"


class TokenNoLongerValid(LearningError, NotAuthenticated):
    """The bearer token was revoked, or its account deactivated, while in use."""

    code = "not_authenticated"
