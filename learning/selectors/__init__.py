"""Reads of learning: lesson facts and reach, what is required of whom, scoping,
学时, the learning archive and the reports.

Split by concern; callers import from the package (``from learning import
selectors; selectors.report_build(...)``). Every selector takes keyword arguments.
"""

from learning.selectors.accounts import accounts_assignable
from learning.selectors.archive import member_archive
from learning.selectors.checkin import (
    member_may_attend,
    session_attendance_count,
    session_screen_shown_to,
    sessions_open_for_checkin,
    sessions_upcoming_for_checkin,
    training_session_find,
)
from learning.selectors.credit import credit_rule, member_year_hours
from learning.selectors.curriculum import (
    assignments_for_member,
    course_ids_required_by,
    course_progress_percent,
    course_required_lesson_ids,
    member_is_enrolled,
    topic_required_course_ids,
)
from learning.selectors.lessons import (
    DEFAULT_THRESHOLD,
    LESSON_INFO_TTL,
    LessonInfo,
    lesson_info,
    lesson_info_cache_key,
    lesson_progress_summary,
    member_can_learn,
    member_can_take_course,
    member_lessons_in_progress,
    member_lessons_progress,
    progress_ratio,
)
from learning.selectors.reports import (
    Report,
    ReportRow,
    organisations_for_choice,
    report_build,
    report_default_courses,
)
from learning.selectors.scoping import (
    MEMBER_TTL,
    member_cache_key,
    member_for_user,
    member_from_fields,
    organisation_paths_administered,
    organisation_prefixes,
    organisation_scope_q,
    organisations_administered,
    remember_member,
    user_can_report_on,
    user_sees_all_organisations,
)
from learning.selectors.tree import (
    DrillRow,
    by_child_organisation,
    figures_by_child,
    organisation_drill_rows,
    organisation_subtree_q,
)

__all__ = [
    "accounts_assignable",
    "DEFAULT_THRESHOLD",
    "DrillRow",
    "LESSON_INFO_TTL",
    "MEMBER_TTL",
    "LessonInfo",
    "Report",
    "ReportRow",
    "assignments_for_member",
    "by_child_organisation",
    "course_ids_required_by",
    "course_progress_percent",
    "course_required_lesson_ids",
    "credit_rule",
    "figures_by_child",
    "lesson_info",
    "lesson_info_cache_key",
    "lesson_progress_summary",
    "member_archive",
    "member_cache_key",
    "member_can_learn",
    "member_can_take_course",
    "member_for_user",
    "member_from_fields",
    "member_may_attend",
    "session_attendance_count",
    "session_screen_shown_to",
    "remember_member",
    "member_is_enrolled",
    "member_lessons_in_progress",
    "member_lessons_progress",
    "member_year_hours",
    "organisation_drill_rows",
    "organisation_paths_administered",
    "organisation_prefixes",
    "organisation_scope_q",
    "organisation_subtree_q",
    "organisations_administered",
    "progress_ratio",
    "report_build",
    "report_default_courses",
    "organisations_for_choice",
    "sessions_open_for_checkin",
    "sessions_upcoming_for_checkin",
    "topic_required_course_ids",
    "training_session_find",
    "user_can_report_on",
    "user_sees_all_organisations",
]
