"""Writes: progress heartbeats, completion and its roll-up, 学时, enrolment,
check-in, and imports of organisations and members."""

from __future__ import annotations

import hashlib
import hmac
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.models import CoursePage, TopicCourse
from cms.selectors import pages_visible_to_public
from learning import selectors
from learning.choices import MemberType
from learning.intervals import (
    intervals_merge,
    intervals_subtract,
    intervals_take,
    intervals_total,
)
from learning.models import (
    Attendance,
    CourseCompletion,
    CreditRecord,
    Enrolment,
    LessonProgress,
    Member,
    Organisation,
    TopicCompletion,
    TrainingSession,
)
from learning.progress_store import (
    ProgressRow,
    progress_row_read,
    progress_row_write,
)

MAX_PLAYBACK_RATE = 2.0  # the fastest speed a player offers; bounds new credit
CREDIT_SLACK_SECONDS = 10.0  # network jitter and a beat sent slightly late
DURATION_TOLERANCE_SECONDS = 2.0  # players report a little past the end
MAX_RANGES_PER_BEAT = 200
MAX_CLIENT_RATE = 16.0
CHECKIN_STEP_SECONDS = 30
CHECKIN_GRACE_SECONDS = 5  # a code just replaced on the screen still works briefly
CHECKIN_EARLY = timedelta(minutes=30)
CHECKIN_LATE = timedelta(minutes=0)


class LearningError(Exception):
    """A refused request: ``status`` is the HTTP status, ``code`` a stable token."""

    status = 400
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code


class InvalidHeartbeat(LearningError):
    code = "invalid_heartbeat"


class LessonNotFound(LearningError):
    status = 404
    code = "lesson_not_found"


class NotAMember(LearningError):
    status = 403
    code = "not_a_member"


class OutOfReach(LearningError):
    status = 403
    code = "lesson_out_of_reach"


class Conflict(LearningError):
    status = 409
    code = "conflict"


class CheckinRefused(LearningError):
    code = "checkin_refused"


class ImportFailed(Exception):
    """An import refused as a whole; ``errors`` lists ``(row number, message)``."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__(f"{len(errors)} 行有错误，未导入任何数据")
        self.errors = errors


# --- 学时 -------------------------------------------------------------------------


def lesson_credit_hours(*, duration_seconds: int, rule=None) -> Decimal:
    """学时 for a lesson of ``duration_seconds`` by the configured duration rule."""
    rule = rule or selectors.credit_rule()
    minutes = duration_seconds / 60
    if minutes >= rule.long_minutes:
        return rule.long_hours
    if minutes >= rule.medium_minutes:
        return rule.medium_hours
    return rule.short_hours


def course_credit_hours(*, course: CoursePage) -> Decimal:
    """The course's fixed 学时, or the sum of its required lessons' 学时 by rule."""
    if course.credit_hours is not None:
        return course.credit_hours
    rule = selectors.credit_rule()
    required = set(selectors.course_required_lesson_ids(course_id=course.pk))
    return sum(
        (
            lesson_credit_hours(duration_seconds=link.lesson.duration, rule=rule)
            for link in course.course_lessons.select_related("lesson")
            if link.lesson_id in required
        ),
        Decimal("0"),
    )


# --- progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressAnswer:
    watched_ratio: float
    completed: bool
    resume_position: float
    credited_seconds: float

    def as_dict(self) -> dict:
        return {
            "watched_ratio": self.watched_ratio,
            "completed": self.completed,
            "resume_position": self.resume_position,
            "credited_seconds": self.credited_seconds,
        }


def _finite(value: float, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidHeartbeat(f"{name} 必须是数字") from None
    if not math.isfinite(number):
        raise InvalidHeartbeat(f"{name} 必须是有限的数字（不接受 NaN 或无穷大）")
    return number


def _validated_ranges(
    ranges: list[list[float]], duration: int
) -> list[tuple[float, float]]:
    if len(ranges) > MAX_RANGES_PER_BEAT:
        raise InvalidHeartbeat(f"ranges 最多 {MAX_RANGES_PER_BEAT} 段")
    limit = duration + DURATION_TOLERANCE_SECONDS
    clean = []
    for index, pair in enumerate(ranges):
        if len(pair) != 2:
            raise InvalidHeartbeat(f"ranges[{index}] 必须是 [start, end]")
        start = _finite(pair[0], f"ranges[{index}].start")
        end = _finite(pair[1], f"ranges[{index}].end")
        if not (0 <= start < end <= limit):
            raise InvalidHeartbeat(
                f"ranges[{index}] = [{start}, {end}] 不满足 0 ≤ start < end ≤ 时长"
                f"（{duration} 秒）"
            )
        clean.append((start, min(end, float(duration))))
    return clean


def lesson_progress_record(
    *,
    member: Member,
    lesson_id: int,
    playback_id: uuid.UUID,
    seq: int,
    ranges: list[list[float]],
    position: float,
    rate: float,
    now: datetime | None = None,
) -> ProgressAnswer:
    """Merge one heartbeat into the member's watched intervals of a lesson.

    New unique watching is bounded twice: by this playback's wall-clock time since its
    first beat × ``MAX_PLAYBACK_RATE`` + slack (minus what it already earned), and by
    an allowance shared by all playbacks of the member and lesson (refilled at
    ``MAX_PLAYBACK_RATE`` per wall-clock second, capped), so fresh playback ids cannot
    multiply the slack. Only new unique seconds count. A replayed ``(playback_id,
    seq)`` gets the same answer and no credit. Completion is decided here only and
    never regresses.

    Raises LessonNotFound (unknown, unpublished or restricted page), OutOfReach,
    InvalidHeartbeat (bad numbers, ranges beyond the duration), Conflict (a lesson
    without a duration).
    """
    now = now or timezone.now()
    info = selectors.lesson_info(lesson_id=lesson_id)
    if info is None:
        raise LessonNotFound(f"微党课 {lesson_id} 不存在或未发布")
    if not selectors.member_can_learn(member=member, info=info):
        raise OutOfReach(f"「{info.title}」不面向您的党员类别，也未指派给您")
    if info.duration <= 0:
        raise Conflict(
            f"「{info.title}」还没有时长，暂不能记录进度", code="no_duration"
        )
    if seq < 0:
        raise InvalidHeartbeat("seq 不能为负数")
    position = _finite(position, "position")
    if not (0 <= position <= info.duration + DURATION_TOLERANCE_SECONDS):
        raise InvalidHeartbeat(
            f"position = {position} 超出 0 到时长（{info.duration} 秒）的范围"
        )
    rate = _finite(rate, "rate")
    if not (0 < rate <= MAX_CLIENT_RATE):
        raise InvalidHeartbeat(f"rate = {rate} 必须大于 0 且不超过 {MAX_CLIENT_RATE}")
    claimed = intervals_merge(_validated_ranges(ranges, info.duration))
    for _attempt in range(MAX_WRITE_ATTEMPTS):
        row = progress_row_read(member_id=member.pk, lesson_id=info.id)
        if row is None:
            LessonProgress.objects.bulk_create(
                [LessonProgress(member_id=member.pk, lesson_id=info.id,
                                duration=info.duration)],
                ignore_conflicts=True,
            )  # fmt: skip
            continue
        answer, written = _apply_beat(
            row, info, member, str(playback_id), seq, claimed, position, now
        )
        if written:
            return answer
    raise Conflict("进度记录繁忙，请稍后重试", code="busy")


MAX_WRITE_ATTEMPTS = 50


def _apply_beat(
    row: ProgressRow,
    info,
    member: Member,
    key: str,
    seq: int,
    claimed: list[tuple[float, float]],
    position: float,
    now: datetime,
) -> tuple[ProgressAnswer, bool]:
    """Apply a beat to the row as read; False when another write came first."""
    stamp = now.timestamp()
    state = row.playbacks.get(key)
    if state is not None and _seq_seen(state["seqs"], seq):
        earlier = state["answers"].get(str(seq))
        if earlier is not None:
            return ProgressAnswer(**earlier), True
        return _answer(row, info, credited=0.0), True
    if state is None:
        state = {"first": stamp, "last": stamp, "credited": 0.0, "max_seq": -1,
                 "seqs": [], "answers": {}}  # fmt: skip
    allowance = _allowance(row, stamp)
    budget = max(
        0.0,
        min(
            allowance,
            max(0.0, stamp - state["first"]) * MAX_PLAYBACK_RATE
            + CREDIT_SLACK_SECONDS
            - state["credited"],
        ),
    )
    watched = intervals_merge(row.intervals)
    granted = intervals_take(intervals_subtract(claimed, watched), budget)
    credited = intervals_total(granted)
    if granted:
        watched = intervals_merge(watched + granted)
        row.intervals = [[round(a, 3), round(b, 3)] for a, b in watched]
        row.watched_seconds = intervals_total(watched)
    if seq >= state["max_seq"]:
        row.position = min(position, float(info.duration))
    newly_completed = (
        not row.completed
        and info.completion_rule == "watched"
        and row.watched_seconds >= info.duration * info.threshold / 100 - 1e-6
    )
    row.completed = row.completed or newly_completed
    answer = _answer(row, info, credited=credited)
    state["credited"] += credited
    state["last"] = max(state["last"], stamp)
    state["max_seq"] = max(state["max_seq"], seq)
    state["seqs"] = _seq_add(state["seqs"], seq)
    answers = state["answers"]
    answers[str(seq)] = answer.as_dict()
    for old in sorted(answers, key=int)[:-KEPT_ANSWERS]:
        del answers[old]
    row.playbacks[key] = state
    _prune_playbacks(row.playbacks, stamp)
    row.credit_allowance = allowance - credited
    row.allowance_stamp = stamp
    if not newly_completed:
        return answer, progress_row_write(row, duration=info.duration, now=now)
    with transaction.atomic():
        if not progress_row_write(row, duration=info.duration, now=now, durable=True):
            return answer, False
        LessonProgress.objects.filter(pk=row.id).update(
            completed_at=now, completed_via=LessonProgress.Via.ONLINE
        )
        _roll_up(member=member, course_ids=info.course_ids, now=now)
    return answer, True


KEPT_ANSWERS = 16  # older replays still earn nothing; they get the current state
KEPT_PLAYBACKS = 20
PLAYBACK_KEPT_SECONDS = 24 * 3600
MAX_BEAT_GAP_SECONDS = 300  # clients beat every 10–30 s; a gap beyond this loses
ALLOWANCE_CAP_SECONDS = MAX_BEAT_GAP_SECONDS * MAX_PLAYBACK_RATE + CREDIT_SLACK_SECONDS


def _allowance(row: ProgressRow, stamp: float) -> float:
    """The member-and-lesson allowance now: refilled at the maximum playback rate
    since its last use, capped at ``MAX_BEAT_GAP_SECONDS``' worth + slack."""
    if row.allowance_stamp is None:
        return CREDIT_SLACK_SECONDS
    refill = max(0.0, stamp - row.allowance_stamp) * MAX_PLAYBACK_RATE
    return min(ALLOWANCE_CAP_SECONDS, row.credit_allowance + refill)


def _answer(row: ProgressRow, info, *, credited: float) -> ProgressAnswer:
    return ProgressAnswer(
        watched_ratio=round(min(1.0, row.watched_seconds / info.duration), 4),
        completed=row.completed,
        resume_position=round(row.position, 3),
        credited_seconds=round(credited, 3),
    )


def _seq_seen(spans: list[list[int]], seq: int) -> bool:
    return any(low <= seq <= high for low, high in spans)


def _seq_add(spans: list[list[int]], seq: int) -> list[list[int]]:
    """Seqs seen, kept as merged ``[low, high]`` spans (beats mostly come in order)."""
    merged: list[list[int]] = []
    for low, high in sorted([*spans, [seq, seq]]):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def _prune_playbacks(playbacks: dict, stamp: float) -> None:
    for key in [
        k for k, v in playbacks.items() if v["last"] < stamp - PLAYBACK_KEPT_SECONDS
    ]:
        del playbacks[key]
    for key in sorted(playbacks, key=lambda k: playbacks[k]["last"])[:-KEPT_PLAYBACKS]:
        del playbacks[key]


def _locked_progress(*, member: Member, lesson_id: int, info) -> LessonProgress:
    """The member's progress row for the lesson, created if needed, locked until the
    transaction ends so concurrent beats apply one after another."""
    rows = LessonProgress.objects.select_for_update().filter(
        member=member, lesson_id=lesson_id
    )
    progress = rows.first()
    if progress is not None:
        return progress
    try:
        with transaction.atomic():
            LessonProgress.objects.create(
                member=member, lesson_id=lesson_id, duration=info.duration
            )
    except IntegrityError:
        pass  # created by a concurrent beat; lock it below
    return rows.get()


def lesson_mark_completed(
    *, member: Member, lesson_id: int, via: str, now: datetime
) -> bool:
    """Complete a lesson for the member (e.g. by attendance) and roll up.

    Returns True when it was not complete before. Raises nothing for pages that are
    not learnable; they are skipped (returns False).
    """
    info = selectors.lesson_info(lesson_id=lesson_id)
    if info is None:
        return False
    with transaction.atomic():
        progress = _locked_progress(member=member, lesson_id=lesson_id, info=info)
        if progress.completed_at is not None:
            return False
        progress.completed_at = now
        progress.completed_via = via
        progress.duration = info.duration
        progress.version += 1
        progress.save()
        _roll_up(member=member, course_ids=info.course_ids, now=now)
    return True


def _roll_up(*, member: Member, course_ids, now: datetime) -> None:
    """Complete the courses (then topics) whose required parts are all complete."""
    if not course_ids:
        return
    done_lessons = set(
        LessonProgress.objects.filter(
            member=member, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )
    already = set(
        CourseCompletion.objects.filter(member=member).values_list(
            "course_id", flat=True
        )
    )
    newly: list[int] = []
    courses = pages_visible_to_public(CoursePage.objects.filter(pk__in=course_ids))
    for course in courses:
        if course.pk in already:
            continue
        required = selectors.course_required_lesson_ids(course_id=course.pk)
        if not required or not set(required) <= done_lessons:
            continue
        _, created = CourseCompletion.objects.get_or_create(
            member=member, course=course, defaults={"completed_at": now}
        )
        if created:
            newly.append(course.pk)
            _credit_add(
                member=member,
                source=CreditRecord.Source.COURSE,
                source_id=course.pk,
                title=course.title,
                hours=course_credit_hours(course=course),
                now=now,
            )
    if not newly:
        return
    done_courses = already | set(newly)
    topic_ids = set(
        TopicCourse.objects.filter(course_id__in=newly).values_list(
            "topic_id", flat=True
        )
    )
    for topic_id in topic_ids:
        required = selectors.topic_required_course_ids(topic_id=topic_id)
        if required and set(required) <= done_courses:
            TopicCompletion.objects.get_or_create(
                member=member, topic_id=topic_id, defaults={"completed_at": now}
            )


def _credit_add(
    *,
    member: Member,
    source: str,
    source_id: int,
    title: str,
    hours: Decimal,
    now: datetime,
) -> None:
    CreditRecord.objects.get_or_create(
        member=member,
        source=source,
        source_id=source_id,
        defaults={
            "title": title[:255],
            "hours": hours,
            "year": timezone.localtime(now).year,
            "earned_at": now,
        },
    )


# --- enrolment --------------------------------------------------------------------


def enrolment_create(*, member: Member, course_id: int) -> Enrolment:
    """Self-enrol the member in an elective course (idempotent).

    Raises LessonNotFound (no such live, public course), Conflict (a compulsory
    course: those are assigned), OutOfReach (not meant for the member's type).
    """
    course = (
        pages_visible_to_public(CoursePage.objects.filter(pk=course_id))
        .specific()
        .first()
    )
    if course is None:
        raise LessonNotFound(
            f"课程 {course_id} 不存在或未发布", code="course_not_found"
        )
    if course.category != CoursePage.Category.ELECTIVE:
        raise Conflict("必修课程由组织指派，不能自行选课", code="not_elective")
    types = course.intended_member_types or []
    if types and member.member_type not in types:
        raise OutOfReach("该课程不面向您的党员类别", code="course_out_of_reach")
    enrolment, _ = Enrolment.objects.get_or_create(member=member, course=course)
    return enrolment


# --- check-in ---------------------------------------------------------------------


def checkin_code(*, session: TrainingSession, at: datetime | None = None) -> str:
    """The six-digit code shown for ``session`` during the 30-second step of ``at``."""
    step = int((at or timezone.now()).timestamp()) // CHECKIN_STEP_SECONDS
    return _code_for_step(session, step)


def checkin_code_expires_at(*, at: datetime | None = None) -> datetime:
    at = at or timezone.now()
    step = int(at.timestamp()) // CHECKIN_STEP_SECONDS
    return datetime.fromtimestamp(
        (step + 1) * CHECKIN_STEP_SECONDS, tz=timezone.get_current_timezone()
    )


def _code_for_step(session: TrainingSession, step: int) -> str:
    digest = hmac.new(
        session.checkin_secret.encode(),
        f"{session.pk}:{step}".encode(),
        hashlib.sha256,
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def session_check_in(
    *, member: Member, session: TrainingSession, code: str, now: datetime | None = None
) -> Attendance:
    """Record the member's attendance with the code shown at the session.

    Attendance earns the session's 学时 and completes the lessons it covers, in the
    same records as online learning. Checking in twice keeps the first record.
    Raises CheckinRefused (outside the check-in window, expired or wrong code).
    """
    now = now or timezone.now()
    if now < session.starts_at - CHECKIN_EARLY:
        raise CheckinRefused("签到尚未开始（开课前 30 分钟开放签到）", code="too_early")
    if now > session.ends_at + CHECKIN_LATE:
        raise CheckinRefused("本课次已结束，签到已关闭", code="closed")
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()):
        raise CheckinRefused("签到码错误：签到码为 6 位数字", code="wrong_code")
    step = int(now.timestamp()) // CHECKIN_STEP_SECONDS
    valid = {_code_for_step(session, step)}
    if now.timestamp() - step * CHECKIN_STEP_SECONDS < CHECKIN_GRACE_SECONDS:
        valid.add(_code_for_step(session, step - 1))
    if not any(hmac.compare_digest(code, candidate) for candidate in valid):
        recent = {_code_for_step(session, step - back) for back in range(1, 21)}
        if code in recent:
            raise CheckinRefused(
                "签到码已过期，请扫描屏幕上最新的签到码", code="expired"
            )
        raise CheckinRefused("签到码错误", code="wrong_code")
    return attendance_record(member=member, session=session, now=now)


def attendance_record(
    *, member: Member, session: TrainingSession, now: datetime
) -> Attendance:
    """Record attendance (once): the session's 学时 and completion of the lessons it
    covers, in the same records as online learning. Raises nothing."""
    with transaction.atomic():
        attendance, created = Attendance.objects.get_or_create(
            member=member, session=session, defaults={"checked_in_at": now}
        )
        if created:
            _credit_add(
                member=member,
                source=CreditRecord.Source.SESSION,
                source_id=session.pk,
                title=str(session),
                hours=session.credit_hours,
                now=now,
            )
            for lesson_id in session.lessons.values_list("pk", flat=True):
                lesson_mark_completed(
                    member=member,
                    lesson_id=lesson_id,
                    via=LessonProgress.Via.ATTENDANCE,
                    now=now,
                )
    return attendance


# --- imports ----------------------------------------------------------------------

ORGANISATION_COLUMNS = ("code", "name", "kind", "parent_code")
MEMBER_COLUMNS = ("username", "name", "organisation_code", "member_type", "join_date")
_HEADER_ALIASES = {
    "组织代码": "code",
    "代码": "code",
    "组织名称": "name",
    "名称": "name",
    "类型": "kind",
    "上级组织代码": "parent_code",
    "上级代码": "parent_code",
    "用户名": "username",
    "账号": "username",
    "姓名": "name",
    "所在组织代码": "organisation_code",
    "组织": "organisation_code",
    "党员类别": "member_type",
    "入党日期": "join_date",
}

Progress = Callable[[int, int], None] | None


def rows_from_table(table: list[list]) -> list[dict]:
    """Turn a sheet (header row first) into dicts keyed by column names; headers may be
    the English names or their Chinese labels."""
    if not table:
        return []
    header = [
        _HEADER_ALIASES.get(str(h or "").strip(), str(h or "").strip())
        for h in table[0]
    ]
    rows = []
    for values in table[1:]:
        if all(v in (None, "") for v in values):
            continue
        rows.append(
            {
                header[i]: ("" if v is None else v)
                for i, v in enumerate(values)
                if i < len(header)
            }
        )
    return rows


def _text(row: dict, key: str) -> str:
    value = row.get(key, "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(value: str, choices) -> str | None:
    for code, label in choices:
        if value in (code, label):
            return code
    return None


def organisations_import(
    *, rows: list[dict], progress: Progress = None
) -> list[Organisation]:
    """Create or update organisations from rows (code, name, kind, parent_code).

    Parents may come earlier in the file or exist already. All rows or none: raises
    ImportFailed listing every bad row (numbered as in the sheet, header = 1).
    """
    errors: list[tuple[int, str]] = []
    saved: list[Organisation] = []
    with transaction.atomic():
        for index, row in enumerate(rows, start=2):
            code, name = _text(row, "code"), _text(row, "name")
            kind = _choice(_text(row, "kind"), Organisation.Kind.choices)
            parent_code = _text(row, "parent_code")
            problems = []
            if not code:
                problems.append("缺少组织代码")
            if not name:
                problems.append("缺少组织名称")
            if kind is None:
                problems.append(f"未知的组织类型「{_text(row, 'kind')}」")
            parent = None
            if parent_code:
                parent = Organisation.objects.filter(code=parent_code).first()
                if parent is None:
                    problems.append(f"上级组织代码「{parent_code}」不存在")
                elif parent_code == code:
                    problems.append("上级组织不能是自己")
            if problems:
                errors.append((index, "；".join(problems)))
            else:
                org = Organisation.objects.filter(code=code).first() or Organisation(
                    code=code
                )
                org.name, org.kind, org.parent = name, kind, parent
                try:
                    with transaction.atomic():
                        org.save()
                    saved.append(org)
                except ValueError as exc:
                    errors.append((index, str(exc)))
            if progress:
                progress(index - 1, len(rows))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return saved


def _parse_date(value) -> date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return date.fromisoformat(text)


def members_import(
    *, rows: list[dict], within: list[str] | None = None, progress: Progress = None
) -> list[Member]:
    """Create or update members from rows (username, name, organisation_code,
    member_type, join_date). New accounts join the group 党员 with an unusable
    password (they sign in through the organisation's login). ``within`` limits the
    organisations to those subtree paths (an organisation admin's import). All rows
    or none: raises ImportFailed listing every bad row.
    """
    errors: list[tuple[int, str]] = []
    saved: list[Member] = []
    group = Group.objects.filter(name="党员").first()
    organisations = {}
    with transaction.atomic():
        for index, row in enumerate(rows, start=2):
            username, name = _text(row, "username"), _text(row, "name")
            org_code = _text(row, "organisation_code")
            member_type = _choice(
                _text(row, "member_type") or MemberType.REGULAR, MemberType.choices
            )
            problems = []
            if not username:
                problems.append("缺少用户名")
            if not name:
                problems.append("缺少姓名")
            if org_code not in organisations:
                organisations[org_code] = Organisation.objects.filter(
                    code=org_code
                ).first()
            organisation = organisations[org_code]
            if organisation is None:
                problems.append(f"组织代码「{org_code}」不存在")
            elif within is not None and not any(
                organisation.path.startswith(p) for p in within
            ):
                problems.append(f"组织「{org_code}」不在您管理的范围内")
            if member_type is None:
                problems.append(f"未知的党员类别「{_text(row, 'member_type')}」")
            try:
                join_date = _parse_date(row.get("join_date"))
            except ValueError:
                join_date = None
                problems.append(
                    f"入党日期「{_text(row, 'join_date')}」格式应为 YYYY-MM-DD"
                )
            if problems:
                errors.append((index, "；".join(problems)))
            else:
                saved.append(
                    member_upsert(
                        username=username,
                        name=name,
                        organisation=organisation,
                        member_type=member_type,
                        join_date=join_date,
                        group=group,
                    )
                )
            if progress:
                progress(index - 1, len(rows))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ImportFailed(errors)
    return saved


def member_upsert(
    *,
    username: str,
    name: str,
    organisation: Organisation,
    member_type: str,
    join_date: date | None,
    group: Group | None,
    password_hash: str | None = None,
) -> Member:
    """Create or update the account ``username`` and its member profile; a new
    account gets ``password_hash`` or an unusable password. Raises nothing."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username)
        if password_hash:
            user.password = password_hash
        else:
            user.set_unusable_password()
        user.save()
    if group is not None:
        user.groups.add(group)
    member, _ = Member.objects.update_or_create(
        user=user,
        defaults={
            "name": name,
            "organisation": organisation,
            "member_type": member_type,
            "join_date": join_date,
        },
    )
    return member


def table_read(*, name: str, content: bytes) -> list[list]:
    """Read an uploaded ``.xlsx`` or ``.csv`` (UTF-8, with or without BOM, or GBK)
    into rows. Raises ValueError naming the problem."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        from io import BytesIO

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any parse failure is the file's fault
            raise ValueError(f"无法读取 XLSX 文件：{exc}") from None
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if lowered.endswith(".csv"):
        import csv
        import io

        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("CSV 文件编码无法识别（请使用 UTF-8 或 GBK）")
        return [row for row in csv.reader(io.StringIO(text))]
    raise ValueError("只支持 .xlsx 或 .csv 文件")
