"""Refusals of branch life (meetings): a ``detail`` for a person, a ``code`` for a
program, no HTTP (``dangke.api_errors`` maps the kinds). Plain ``MeetingError``
subclasses are bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted, RateLimited


class MeetingError(DomainError):
    """Base of every refusal raised by meetings."""

    code = "invalid"


class InvalidMeeting(MeetingError):
    """A meeting scheduled with missing or contradicting details."""

    code = "invalid_meeting"


class CheckinRefused(MeetingError):
    """A check-in outside the meeting's window, or with a wrong or expired code."""

    code = "checkin_refused"


class ReasonRequired(MeetingError):
    """代签, 补签 or an amendment of filed minutes without a reason."""

    code = "reason_required"


class LeaveRefused(MeetingError, Conflict):
    """Leave asked after the meeting began, or decided twice."""

    code = "leave_refused"


class MinutesStale(MeetingError, Conflict):
    """Minutes written over a revision that is no longer the latest."""

    code = "minutes_stale"


class AlreadyFiled(MeetingError, Conflict):
    """The ledger of this organisation and year is filed already."""

    code = "already_filed"


class NotYetHeld(MeetingError, Conflict):
    """Something that needs the meeting to have ended (补学, minutes, 送学上门)."""

    code = "not_yet_held"


class MakeupRefused(MeetingError, Conflict):
    """补学 that is not open: wrong kind, attended already, late, lesson not done."""

    code = "makeup_refused"


class MeetingNotFound(MeetingError, NotFound):
    """No such meeting, or not one the caller is asked to or may manage."""

    code = "meeting_not_found"


class MemberNotFound(MeetingError, NotFound):
    """A member named that does not exist or is not in the meeting."""

    code = "member_not_found"


class OrganisationNotFound(MeetingError, NotFound):
    """An organisation code that names no organisation."""

    code = "organisation_not_found"


class OutOfScope(MeetingError, NotPermitted):
    """An organisation outside the caller's subtree."""

    code = "out_of_scope"


class NotTheRecorder(MeetingError, NotPermitted):
    """代签/补签 or minutes by someone who is not the meeting's recorder."""

    code = "not_the_recorder"


class NotPermittedHere(MeetingError, NotPermitted):
    """An action the caller's role in this meeting does not allow."""

    code = "permission_denied"


class NotAMember(MeetingError, NotPermitted):
    """A member-only action by an account without a member profile."""

    code = "not_a_member"


class TooFrequent(MeetingError, RateLimited):
    """Too many check-in tries in a minute."""

    code = "rate_limited"


class MeetingCancelled(MeetingError, Conflict):
    """Something asked of a meeting that has been cancelled (取消)."""

    code = "meeting_cancelled"


class AttachmentRefused(MeetingError):
    """A file attached to the minutes that is empty, too large, or not a PDF,
    image or DOCX by its content."""

    code = "attachment_refused"


class AttachmentNotFound(MeetingError, NotFound):
    """No such attachment of this meeting."""

    code = "attachment_not_found"


class PartyGroupNotFound(MeetingError, NotFound):
    """No such party group (党小组), or not one the caller manages."""

    code = "party_group_not_found"
