"""Writes of assessment: the question bank and its imports, attempts at quizzes and
exams (drawing, saving answers, scoring), daily practice and the wrong-answer book,
online contests, and the live stage round.

Split by concern (``bank``, ``imports``, ``attempts``, ``practice``, ``contests``,
``live``); callers import from the package (``from assessment.services import
attempt_submit``). Refusals are the classes of ``assessment.errors``.
"""

from assessment.services.attempts import (
    SavedAnswer,
    attempt_answer_save,
    attempt_create,
    attempt_refresh,
    attempt_sheets_forget,
    attempt_submit,
    attempts_close_expired,
    quiz_attempt_start,
    quiz_questions_draw,
)
from assessment.services.bank import QuestionData, question_create, question_upsert
from assessment.services.contests import contest_attempt_start
from assessment.services.imports import (
    question_import_key,
    questions_from_aiken,
    questions_from_gift,
    questions_from_table,
    questions_import,
    questions_import_counts,
    questions_import_job_run,
    questions_parse,
)
from assessment.services.live import (
    join_code_normalise,
    live_advance,
    live_answer_submit,
    live_device_join,
    live_stake_choose,
)
from assessment.services.practice import (
    daily_practice_answer,
    daily_practice_draw,
    daily_practice_for,
    wrong_answer_note,
    wrong_answer_remove,
    wrong_answer_retry,
    wrong_answers_note,
)

__all__ = [
    "QuestionData",
    "SavedAnswer",
    "attempt_answer_save",
    "attempt_create",
    "attempt_refresh",
    "attempt_sheets_forget",
    "attempt_submit",
    "attempts_close_expired",
    "contest_attempt_start",
    "daily_practice_answer",
    "daily_practice_draw",
    "daily_practice_for",
    "join_code_normalise",
    "live_advance",
    "live_answer_submit",
    "live_device_join",
    "live_stake_choose",
    "question_create",
    "question_upsert",
    "questions_from_aiken",
    "questions_from_gift",
    "questions_from_table",
    "question_import_key",
    "questions_import",
    "questions_import_counts",
    "questions_import_job_run",
    "questions_parse",
    "quiz_attempt_start",
    "quiz_questions_draw",
    "wrong_answer_note",
    "wrong_answer_remove",
    "wrong_answer_retry",
    "wrong_answers_note",
]
