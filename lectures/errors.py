"""Refusals of the lecture menu and orders: a ``detail`` for a person, a ``code``
for a program, no HTTP (``dangke.api_errors`` maps the kinds). Plain
``LectureError`` subclasses are bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted


class LectureError(DomainError):
    """Base of every refusal raised by lectures."""

    code = "invalid"


class InvalidLecture(LectureError):
    """A menu item with missing or wrong details."""

    code = "invalid_lecture"


class InvalidOrder(LectureError):
    """An order with missing or wrong details (times, audience size, place)."""

    code = "invalid_order"


class OutsideAreas(LectureError):
    """An order from an organisation outside the places the lecturer goes to."""

    code = "outside_areas"


class OutsideAudiences(LectureError):
    """An order for an audience the lecture is not meant for."""

    code = "outside_audiences"


class InvalidRating(LectureError):
    """A score outside 1–5 or a comment too long."""

    code = "invalid_rating"


class LectureNotFound(LectureError, NotFound):
    """No such menu item, or not one the caller may see."""

    code = "lecture_not_found"


class OrderNotFound(LectureError, NotFound):
    """No such order, or not one the caller may see."""

    code = "order_not_found"


class NotALecturer(LectureError, NotPermitted):
    """A lecturer's action by an account without a lecturer profile."""

    code = "not_a_lecturer"


class NotPermittedHere(LectureError, NotPermitted):
    """An action the caller's role does not allow."""

    code = "permission_denied"


class WrongState(LectureError, Conflict):
    """An action the menu item's or order's state does not allow (submitting a
    published lecture, accepting an order twice, ...)."""

    code = "wrong_state"


class DoubleBooked(LectureError, Conflict):
    """The lecturer has an accepted lecture at an overlapping time."""

    code = "double_booked"


class AlreadyRated(LectureError, Conflict):
    """The member rated this lecture already."""

    code = "already_rated"


class NotAttended(LectureError, NotPermitted):
    """A rating by someone who did not check in to the lecture."""

    code = "not_attended"
