"""Refusals of the assessment app: what a service or the assessment API says no with.

Each carries a ``detail`` (for a person) and a ``code`` (for a program) and no HTTP:
the kind it also subclasses (``dangke.errors``) decides the status, once, in
``dangke.api_errors``. Plain ``AssessmentError`` subclasses are bad input (400).
"""

from __future__ import annotations

from django.conf import settings

from dangke.errors import Conflict, DomainError, NotFound, NotPermitted, RateLimited


class AssessmentError(DomainError):
    """Base of every refusal raised by assessment."""

    code = "invalid"


# --- bad input (400) ----------------------------------------------------------------


class InvalidAnswer(AssessmentError):
    """An answer that does not fit the question (an unknown option, two options for
    a single choice, text for a choice question…)."""

    code = "invalid_answer"


class InvalidStake(AssessmentError):
    """A risk question's stake other than 20, 30 or 40."""

    code = "invalid_stake"


class InvalidQuestion(AssessmentError):
    """A question whose answer key does not fit its kind."""

    code = "invalid_question"


class InvalidReportQuery(AssessmentError):
    """A report asked for with missing or out-of-range parameters."""

    code = "invalid_report_query"


class QuestionImportFailed(AssessmentError):
    """An import refused as a whole; ``errors`` lists ``(row or line, message)``."""

    code = "import_failed"

    def __init__(self, errors: list[tuple[int, str]]):
        # Every bad row is kept in ``errors``; a document lists the first
        # IMPORT_MAX_LISTED_ERRORS and counts the rest in ``more``.
        listed = settings.IMPORT_MAX_LISTED_ERRORS
        super().__init__(
            f"{len(errors)} 道题有错误，未导入任何题目",
            errors=[{"row": row, "msg": message} for row, message in errors[:listed]],
            more=max(0, len(errors) - listed),
        )
        self.errors = errors


class ImportFileUnreadable(AssessmentError):
    """An import file that cannot be read at all (wrong type, broken, empty)."""

    code = "import_file_unreadable"


class QuizMisconfigured(AssessmentError):
    """A quiz that cannot be put together (no questions to draw from)."""

    code = "quiz_misconfigured"


# --- not found (404) ----------------------------------------------------------------


class QuizNotFound(AssessmentError, NotFound):
    """No active quiz with that id on a live, public page."""

    code = "quiz_not_found"


class AttemptNotFound(AssessmentError, NotFound):
    """No attempt with that id of the signed-in member."""

    code = "attempt_not_found"


class QuestionNotInAttempt(AssessmentError, NotFound):
    """The question was not drawn into this attempt (or this day's practice)."""

    code = "question_not_in_attempt"


class WrongAnswerNotFound(AssessmentError, NotFound):
    """The question is not in the member's wrong-answer book."""

    code = "wrong_answer_not_found"


class ContestNotFound(AssessmentError, NotFound):
    """No contest with that id."""

    code = "contest_not_found"


class OrganisationNotFound(AssessmentError, NotFound):
    """No organisation with that code."""

    code = "organisation_not_found"


class JoinCodeInvalid(AssessmentError, NotFound):
    """No team of a live contest that is not over has that join code."""

    code = "join_code_invalid"


# --- not permitted (403) ------------------------------------------------------------


class OutOfScope(AssessmentError, NotPermitted):
    """The organisation lies outside the subtrees the user administers."""

    code = "out_of_scope"


class LessonOutOfReach(AssessmentError, NotPermitted):
    """A lesson quiz whose lesson is out of the member's reach by learning's rule
    (none of its courses is open to the member's type, none is assigned to them):
    refused like that lesson's heartbeats, with the same code."""

    code = "lesson_out_of_reach"


class CourseOutOfReach(AssessmentError, NotPermitted):
    """A course exam whose course is out of the member's reach by learning's rule
    (not open to the member's type, not assigned to them): refused like enrolling
    in it, with the same code."""

    code = "course_out_of_reach"


class NotInContest(AssessmentError, NotPermitted):
    """The member's organisation is outside the contest's organisation subtree."""

    code = "not_in_contest"


class RankingDisabled(AssessmentError, NotPermitted):
    """The contest's organiser has not made the individual ranking public."""

    code = "ranking_disabled"


class NotHost(AssessmentError, NotPermitted):
    """Only the contest's host (a staff user with the permission 主持擂台赛 whose
    subtree holds the contest's organisation) may do this."""

    code = "not_host"


class NotYourTeam(AssessmentError, NotPermitted):
    """A phone acting for a team other than the one it joined."""

    code = "not_your_team"


class JoinedAnotherTeam(AssessmentError, Conflict):
    """The signed-in member already plays for another team of this contest."""

    code = "joined_another_team"


class NotAParticipant(AssessmentError, NotPermitted):
    """The caller is neither a joined phone nor the host of this live contest."""

    code = "not_a_participant"


# --- conflicts (409) ----------------------------------------------------------------


class DeadlinePassed(AssessmentError, Conflict):
    """The attempt's time is up (by the server's clock); it has been closed and
    scored at its deadline."""

    code = "deadline_passed"


class AttemptClosed(AssessmentError, Conflict):
    """The attempt was already submitted."""

    code = "attempt_closed"


class AttemptLimitReached(AssessmentError, Conflict):
    """The member has used every attempt the quiz allows."""

    code = "attempt_limit_reached"


class ContestNotOpen(AssessmentError, Conflict):
    """The online contest's window has not opened yet, or has closed."""

    code = "contest_not_open"


class ContestAlreadyTaken(AssessmentError, Conflict):
    """The member has already taken the online contest (one attempt each)."""

    code = "contest_already_taken"


class AlreadyAnswered(AssessmentError, Conflict):
    """This question has already been answered (practice, or a team's live
    answer)."""

    code = "already_answered"


class QuestionHeldBack(AssessmentError, Conflict):
    """The question is held back (``assessment.selectors.keys``): a contest that is
    not over, or a quiz that keeps its answers hidden, may still put it before
    members, so answering it here (which tells right from wrong) must wait."""

    code = "question_held_back"


class NotAnsweredRight(AssessmentError, Conflict):
    """A wrong answer can be removed from the book only after answering it right."""

    code = "not_answered_right_yet"


class NotCurrentQuestion(AssessmentError, Conflict):
    """The live question answered is not the one on stage now."""

    code = "not_current_question"


class QuestionNotOpen(AssessmentError, Conflict):
    """The live question is not open for answers yet (answers before the host opens
    it are refused)."""

    code = "question_not_open"


class AnswerWindowClosed(AssessmentError, Conflict):
    """The live question's answering time is over (by the server's clock)."""

    code = "answer_window_closed"


class StakeRefused(AssessmentError, Conflict):
    """A stake outside the staking phase, on a question that is not a risk question,
    or chosen twice differently."""

    code = "stake_refused"


class StakeMissing(AssessmentError, Conflict):
    """A risk question answered without a stake chosen first."""

    code = "stake_missing"


class StaleState(AssessmentError, Conflict):
    """The host acted on a state that has changed since (another click got there
    first)."""

    code = "stale_state"


class ContestFinished(AssessmentError, Conflict):
    """The live contest is over."""

    code = "contest_finished"


# --- rate limits (429) --------------------------------------------------------------


class TooFrequent(AssessmentError, RateLimited):
    """Too many join attempts in a short time."""

    code = "rate_limited"
