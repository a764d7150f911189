"""Refusals of 宣讲比赛: a ``detail`` for a person, a ``code`` for a program, no
HTTP (``dangke.api_errors`` maps the kinds). Plain ``CompetitionError``
subclasses are bad input (400)."""

from __future__ import annotations

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted


class CompetitionError(DomainError):
    """Base of every refusal raised by competitions."""

    code = "invalid"


class InvalidEntry(CompetitionError):
    """An entry with a missing or unusable title, video or script."""

    code = "invalid_entry"


class InvalidScore(CompetitionError):
    """Marks outside the rubric: an unknown or missing criterion, out of range."""

    code = "invalid_score"


class CompetitionNotFound(CompetitionError, NotFound):
    code = "competition_not_found"


class RoundNotFound(CompetitionError, NotFound):
    code = "round_not_found"


class EntryNotFound(CompetitionError, NotFound):
    code = "entry_not_found"


class EntryNotAssigned(CompetitionError, NotFound):
    """A judge asking for an entry that is not theirs to score (their own
    organisation's, a declared conflict, or not in the round)."""

    code = "entry_not_assigned"


class AwardNotFound(CompetitionError, NotFound):
    code = "award_not_found"


class NotAJudge(CompetitionError, NotPermitted):
    code = "not_a_judge"


class NotAnOrganiser(CompetitionError, NotPermitted):
    code = "not_an_organiser"


class NotAnEntrant(CompetitionError, NotPermitted):
    """Only members and lecturers enter; only members vote."""

    code = "not_eligible"


class ResultsNotReleased(CompetitionError, NotPermitted):
    code = "results_not_released"


class RoundClosed(CompetitionError, Conflict):
    code = "round_closed"


class RoundState(CompetitionError, Conflict):
    """The round is not in the state the request needs."""

    code = "round_state"


class AlreadyEntered(CompetitionError, Conflict):
    code = "already_entered"


class AlreadyVoted(CompetitionError, Conflict):
    code = "already_voted"


class InvitationAnswered(CompetitionError, Conflict):
    code = "invitation_answered"
