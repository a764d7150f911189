"""Refusals of live lectures: a ``detail`` for a person, a ``code`` for a program, no
HTTP (``dangke.api_errors`` maps the kinds). Plain ``BroadcastError`` subclasses are
bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, Gone, NotFound, NotPermitted


class BroadcastError(DomainError):
    """Base of every refusal raised by broadcasts."""

    code = "invalid"


class InvalidLecture(BroadcastError):
    """A lecture scheduled with missing or contradicting details."""

    code = "invalid_lecture"


class InvalidPresence(BroadcastError):
    """A heartbeat or place claim with bad numbers or an unknown place."""

    code = "invalid_presence"


class LectureNotFound(BroadcastError, NotFound):
    """No such lecture, or not for this caller."""

    code = "lecture_not_found"


class OrganisationNotFound(BroadcastError, NotFound):
    code = "organisation_not_found"


class OutOfScope(BroadcastError, NotPermitted):
    """The organisation lies outside the caller's subtrees."""

    code = "out_of_scope"


class NotAMember(BroadcastError, NotPermitted):
    """The account is no party member (heartbeats are members' only)."""

    code = "not_a_member"


class NotInAudience(BroadcastError, NotPermitted):
    """The member is not in the lecture's audience."""

    code = "not_in_audience"


class PublishRefused(BroadcastError, NotPermitted):
    """nginx asked to accept a publisher the platform refuses: an unknown, revoked
    or reused key, outside the window, a second publisher (the ``code`` says)."""

    code = "publish_refused"


class CallbackForbidden(BroadcastError, NotPermitted):
    """A publish callback without the shared secret or from outside the allowed
    networks."""

    code = "callback_forbidden"


class LectureStateConflict(BroadcastError, Conflict):
    """The lecture's state forbids this (not live, already started, ended...)."""

    code = "lecture_state"


class PresentElsewhere(BroadcastError, Conflict):
    """The member is present at another place (a room, the phone) or another
    lecture at this moment."""

    code = "present_elsewhere"


class PlaybackNotFound(BroadcastError, NotFound):
    """No such live file, or the URL is not signed for it."""

    code = "playback_not_found"


class PlaybackUrlExpired(BroadcastError, Gone):
    """A signed live URL past its expiry: the player fetches a fresh one."""

    code = "url_expired"
