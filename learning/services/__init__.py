"""Writes of learning: progress heartbeats, completion and its roll-up, 学时,
enrolment, check-in and attendance, course exam passes, imports, and forgetting
cached reads.

Split by concern (``progress``, ``completion``, ``credit``, ``enrolment``,
``checkin``, ``exams``, ``imports``, ``caches``); callers import from the package
(``from learning.services import lesson_progress_record``). Refusals are the classes of
``learning.errors``, re-exported here for callers.
"""

from learning.errors import (
    CheckinRefused,
    CourseNotFound,
    ImportFailed,
    InvalidHeartbeat,
    LearningError,
    LessonNotFound,
    NotAMember,
    NotElective,
    OutOfReach,
    ProgressConflict,
)
from learning.progress_store import PlaybackState, ProgressAnswer
from learning.services.caches import lesson_info_forget, member_forget
from learning.services.checkin import (
    CHECKIN_EARLY,
    CHECKIN_GRACE_SECONDS,
    CHECKIN_LATE,
    CHECKIN_STEP_SECONDS,
    attendance_record,
    checkin_attempt,
    checkin_code,
    checkin_code_expires_at,
    checkin_code_shown_at,
    checkin_step,
    checkin_url,
    rotating_code,
    rotating_code_verdict,
    session_check_in,
    session_check_in_allowed,
)
from learning.services.completion import completion_roll_up, lesson_mark_completed
from learning.services.credit import (
    course_credit_hours,
    credit_record_add,
    lesson_credit_hours,
)
from learning.services.enrolment import enrolment_create
from learning.services.exams import course_exam_pass_record
from learning.services.imports import (
    MEMBER_COLUMNS,
    MEMBERS_JOB,
    ORGANISATION_COLUMNS,
    ORGANISATIONS_JOB,
    learning_import_job_run,
    member_upsert,
    members_import,
    members_import_counts,
    organisations_import,
    rows_from_table,
    table_read,
)
from learning.services.progress import (
    CREDIT_SLACK_SECONDS,
    MAX_PLAYBACK_RATE,
    lesson_progress_record,
)
from learning.services.reconcile import (
    RollupDifference,
    rollups_differences,
    rollups_rebuild,
)
from learning.services.rollups import rollup_batch

__all__ = [
    "CHECKIN_EARLY",
    "CHECKIN_GRACE_SECONDS",
    "CHECKIN_LATE",
    "CHECKIN_STEP_SECONDS",
    "CREDIT_SLACK_SECONDS",
    "MAX_PLAYBACK_RATE",
    "MEMBER_COLUMNS",
    "ORGANISATION_COLUMNS",
    "CheckinRefused",
    "CourseNotFound",
    "ImportFailed",
    "InvalidHeartbeat",
    "LearningError",
    "LessonNotFound",
    "NotAMember",
    "NotElective",
    "OutOfReach",
    "PlaybackState",
    "ProgressAnswer",
    "ProgressConflict",
    "RollupDifference",
    "attendance_record",
    "checkin_attempt",
    "checkin_code",
    "checkin_code_expires_at",
    "checkin_code_shown_at",
    "checkin_step",
    "checkin_url",
    "rotating_code",
    "rotating_code_verdict",
    "completion_roll_up",
    "course_credit_hours",
    "course_exam_pass_record",
    "credit_record_add",
    "enrolment_create",
    "lesson_credit_hours",
    "lesson_info_forget",
    "lesson_mark_completed",
    "lesson_progress_record",
    "member_forget",
    "member_upsert",
    "members_import",
    "members_import_counts",
    "MEMBERS_JOB",
    "ORGANISATIONS_JOB",
    "learning_import_job_run",
    "organisations_import",
    "rollup_batch",
    "rollups_differences",
    "rollups_rebuild",
    "rows_from_table",
    "session_check_in",
    "session_check_in_allowed",
    "table_read",
]
