"""Reads of assessment: the quizzes a member may take and what an attempt shows,
the day's practice and the wrong-answer book, online contests, reports along the
organisation tree, and the live stage round's state.

Whether an answer key may reach a member is decided in one place, ``keys``.

Split by concern; callers import from the package (``from assessment import
selectors; selectors.attempt_view(...)``). Every selector takes keyword arguments.
"""

from assessment.selectors.contests import (
    contest_for_member,
    contest_ranking,
    contest_view,
    contests_for_member,
    member_in_subtree,
)
from assessment.selectors.keys import (
    answer_keys_shown,
    question_ids_held_back,
    questions_held_back,
    quiz_keys_may_show,
    quiz_question_pool,
)
from assessment.selectors.live import (
    UserLike,
    device_token_hash,
    item_points,
    live_device_for_token,
    live_join_url,
    live_state,
    live_state_version,
    user_can_host,
)
from assessment.selectors.practice import (
    practice_item_view,
    practice_view,
    wrong_answer_view,
    wrong_answers_for_member,
)
from assessment.selectors.quizzes import (
    CLOSED,
    attempt_for_member,
    attempt_view,
    member_attempts,
    quiz_for_member,
    quiz_summary,
    quizzes_available,
    quizzes_for_page,
)
from assessment.selectors.reports import (
    MIN_GROUP_SIZE,
    ResultReport,
    ResultRow,
    contest_results_report,
    pass_rate_report,
)

__all__ = [
    "CLOSED",
    "MIN_GROUP_SIZE",
    "ResultReport",
    "ResultRow",
    "UserLike",
    "answer_keys_shown",
    "attempt_for_member",
    "attempt_view",
    "contest_for_member",
    "contest_ranking",
    "contest_results_report",
    "contest_view",
    "contests_for_member",
    "device_token_hash",
    "item_points",
    "live_device_for_token",
    "live_join_url",
    "live_state",
    "live_state_version",
    "member_attempts",
    "member_in_subtree",
    "pass_rate_report",
    "practice_item_view",
    "practice_view",
    "question_ids_held_back",
    "questions_held_back",
    "quiz_for_member",
    "quiz_keys_may_show",
    "quiz_question_pool",
    "quiz_summary",
    "quizzes_available",
    "quizzes_for_page",
    "user_can_host",
    "wrong_answer_view",
    "wrong_answers_for_member",
]
