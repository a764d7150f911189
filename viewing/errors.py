"""Refusals of group viewing (集中收看): a ``detail`` for a person, a ``code`` for a
program, no HTTP (``dangke.api_errors`` maps the kinds). Plain ``ViewingError``
subclasses are bad input (400)."""

from __future__ import annotations

from dangke.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    RateLimited,
)


class ViewingError(DomainError):
    """Base of every refusal raised by viewing."""

    code = "invalid"


class InvalidRoom(ViewingError):
    """A room registered with a missing or too long name or address."""

    code = "invalid_room"


class RoomCheckinRefused(ViewingError):
    """A room check-in with a wrong or expired code, or another room's code."""

    code = "room_checkin_refused"


class PairingRefused(ViewingError):
    """A screen's device code that is unknown, expired or confirmed already."""

    code = "pairing_refused"


class RoomNotFound(ViewingError, NotFound):
    """No such room, or one outside the caller's subtrees."""

    code = "room_not_found"


class OrganisationNotFound(ViewingError, NotFound):
    """No organisation with the code given."""

    code = "organisation_not_found"


class ScreenNotFound(ViewingError, NotFound):
    """No such screen in the room."""

    code = "screen_not_found"


class NotARoomManager(ViewingError, NotPermitted):
    """Registering or confirming a room of an organisation one does not manage."""

    code = "not_room_manager"


class NotAMember(ViewingError, NotPermitted):
    """The account is no party member (only members check in)."""

    code = "not_a_member"


class ScreenNotConfirmed(ViewingError, NotAuthenticated):
    """A screen without a confirmed, unrevoked device token."""

    code = "screen_not_confirmed"


class NothingLive(ViewingError, Conflict):
    """No lecture for the room's audience is live now (check-in, beats)."""

    code = "not_live"


class TooFrequent(ViewingError, RateLimited):
    """Too many check-in or pairing tries in a minute."""

    code = "rate_limited"
