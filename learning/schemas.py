"""Request and response schemas of the learning API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator


def _not_boolean(value: Any) -> Any:
    # JSON true/false would otherwise pass as 1 and 0.
    if isinstance(value, bool):
        raise ValueError(f"布尔值 {str(value).lower()} 不是数字")
    return value


Number = Annotated[float, BeforeValidator(_not_boolean)]
Count = Annotated[int, BeforeValidator(_not_boolean)]


class HeartbeatIn(Schema):
    lesson: Count = Field(description="微党课或 VR 课件的页面 id")
    playback_id: uuid.UUID = Field(description="每次播放生成一个新的 uuid")
    seq: Count = Field(ge=0, description="本次播放内的心跳序号，从 0 开始")
    ranges: list[list[Number]] = Field(
        default_factory=list,
        description="自上次心跳以来播放过的区间 [[start, end], ...]（秒）",
    )
    position: Number = Field(description="当前播放位置（秒）")
    rate: Number = Field(default=1.0, description="播放倍速")
    mode: Literal["video", "audio"] = Field(
        default="video", description="video 或 audio（仅音频同样计入）"
    )


class ProgressOut(Schema):
    watched_ratio: float
    completed: bool
    resume_position: float
    credited_seconds: float = 0


class EnrolmentIn(Schema):
    course: int


class EnrolmentOut(Schema):
    course: int
    enrolled_at: datetime


class CheckinIn(Schema):
    session: int
    code: str


class CheckinOut(Schema):
    session: int
    checked_in_at: datetime
    credit_hours: Decimal


class LessonProgressOut(Schema):
    id: int
    title: str
    compulsory: bool
    watched_ratio: float
    completed: bool
    resume_position: float


class ArchiveCourseOut(Schema):
    id: int
    title: str
    category: str
    status: str
    deadline: date | None
    overdue: bool
    lessons: list[LessonProgressOut]


class AttendanceOut(Schema):
    session_id: int
    class_title: str
    session_title: str
    checked_in_at: datetime
    credit_hours: Decimal


class ArchiveExamOut(Schema):
    course_id: int
    title: str
    passed_at: datetime
    score: Decimal


class ArchiveMemberOut(Schema):
    name: str
    organisation: str
    member_type: str


class ArchiveOut(Schema):
    member: ArchiveMemberOut
    year: int
    credit_hours: Decimal
    target_hours: Decimal
    required: list[ArchiveCourseOut]
    electives: list[ArchiveCourseOut]
    attendance: list[AttendanceOut]
    exams: list[ArchiveExamOut]


class ReportRowOut(Schema):
    organisation_id: int | None
    code: str
    name: str
    members: int
    completed: int
    coverage: float
    average_hours: float


class ReportOrganisationOut(Schema):
    id: int
    code: str
    name: str


class LaggardOut(Schema):
    member_id: int
    name: str
    organisation: str
    member_type: str
    credit_hours: Decimal


class ReportOut(Schema):
    organisation: ReportOrganisationOut
    subject: str
    year: int
    total: ReportRowOut
    children: list[ReportRowOut]
    laggards: list[LaggardOut]
    laggards_count: int
