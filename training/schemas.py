"""Request and response schemas of the training API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema


class PlanLineIn(Schema):
    title: str = Field(max_length=200, description="培训项目")
    kind: str = Field(
        description="demonstration 示范培训、general 普遍培训、safety_net 兜底培训、"
        "thematic 专题培训"
    )
    target_groups: list[str] = Field(
        description="培训对象（可多选）：secretary 书记、committee 两委成员、ordinary "
        "普通党员、mobile 流动党员、infirm 老弱病残党员",
        max_length=5,
    )
    planned_classes: int = Field(default=1, ge=0, le=100000, description="计划期数")
    planned_people: int = Field(default=0, ge=0, le=10000000, description="计划人次")
    planned_hours: Decimal = Field(
        default=Decimal("0"), ge=0, le=999999, decimal_places=2, description="计划学时"
    )
    months: list[int] = Field(default_factory=list, max_length=12, description="1–12")
    lecturers_or_topics: str = Field(
        default="", max_length=2000, description="师资或专题"
    )


class PlanIn(Schema):
    organisation: str = Field(description="编制计划的党组织代码")
    year: int = Field(ge=2000, le=2100)
    title: str = Field(max_length=200, description="计划名称")
    notes: str = Field(default="", max_length=5000)
    lines: list[PlanLineIn] = Field(default_factory=list, max_length=200)


class PlanChangeIn(Schema):
    title: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)
    lines: list[PlanLineIn] | None = Field(
        default=None, max_length=200, description="给出时替换全部培训项目"
    )


class DecisionIn(Schema):
    comment: str = Field(
        default="", max_length=1000, description="审核意见（退回必填）"
    )


class PlanLineOut(Schema):
    id: int
    title: str
    kind: str
    kind_label: str
    target_groups: list[str]
    target_group_labels: list[str]
    planned_classes: int
    planned_people: int
    planned_hours: Decimal
    months: list[int]
    lecturers_or_topics: str
    classes: int = Field(description="挂在本项目下的培训班数")


class PlanOut(Schema):
    id: int
    organisation: str
    organisation_name: str
    parent: str | None = Field(description="负责备案的上级党组织代码")
    year: int
    revision: int
    title: str
    notes: str
    status: str = Field(description="draft、submitted、filed 或 returned")
    status_label: str
    submitted_at: datetime | None
    decided_at: datetime | None
    comment: str
    revises: int | None
    may_change: bool
    may_decide: bool
    lines: list[PlanLineOut]


class PlanListOut(Schema):
    items: list[PlanOut]


class FiguresOut(Schema):
    planned_classes: Decimal
    planned_people: Decimal
    planned_hours: Decimal
    classes: int
    sessions: int
    people_times: int
    hours: Decimal
    classes_percent: Decimal | None = Field(description="实际期数占计划的百分比")


class MonthFiguresOut(FiguresOut):
    month: int


class RowFiguresOut(FiguresOut):
    organisation: str
    name: str
    own: bool = Field(description="本级（不再下钻）")


class LineFiguresOut(FiguresOut):
    line: int
    title: str
    kind_label: str


class PlanActualOut(Schema):
    organisation: str
    organisation_name: str
    year: int
    total: FiguresOut
    months: list[MonthFiguresOut]
    rows: list[RowFiguresOut]
    lines: list[LineFiguresOut]


class SessionOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    lecturer: str
    credit_hours: Decimal
    attended: bool | None = Field(description="本人是否签到（非学员为空）")
    request: str = Field(description="本人的请假/补签申请及状态，如“请假：待审批”")


class EnrolmentOut(Schema):
    status: str = Field(description="applied、enrolled 或 refused")
    status_label: str
    via: str
    reason: str


class MissingOut(Schema):
    code: str
    detail: str


class StandingOut(Schema):
    member: int
    name: str
    organisation: str
    attended: int
    sessions: int
    attendance_percent: int
    lessons_done: bool
    exam_passed: bool
    completes: bool
    reasons: list[str]


class ClassOut(Schema):
    id: int
    title: str
    organisation: str
    organisation_name: str
    description: str
    plan_line: int | None
    plan_line_title: str
    enrolment_mode: str
    state: str = Field(
        description="enrolling 报名中、running 进行中、pending 待结班、ready 可结班、"
        "closed 已结班"
    )
    state_label: str
    credit_hours: Decimal
    rule: list[str] = Field(description="结业条件")
    closed_at: datetime | None
    organiser: bool
    enrolment: EnrolmentOut | None
    completed: bool
    sessions: list[SessionOut]


class ClassListOut(Schema):
    items: list[ClassOut]


class EnrolIn(Schema):
    organisation: str | None = Field(
        default=None, description="按组织调训：该党组织及下级党组织的全体党员"
    )
    members: list[int] = Field(
        default_factory=list, max_length=5000, description="逐个报名的党员 id"
    )


class EnrolOut(Schema):
    added: int
    enrolled: int


class ApplyIn(Schema):
    reason: str = Field(default="", max_length=200)


class ApplicationDecisionIn(Schema):
    approve: bool
    reason: str = Field(default="", max_length=200)


class SessionRequestIn(Schema):
    kind: str = Field(description="leave 请假（课前）或 late_entry 补签（课后）")
    reason: str = Field(max_length=200)


class SessionRequestDecisionIn(Schema):
    approve: bool


class SessionRequestOut(Schema):
    id: int
    session: int
    member: int
    kind: str
    status: str
    status_label: str
    reason: str


class PaperOut(Schema):
    kind: str
    label: str
    generated: bool
    url: str


class CompletionOut(Schema):
    training_class: int
    state: str
    state_label: str
    missing: list[MissingOut]
    required_papers: list[str]
    papers: list[PaperOut]
    completions: int
    standings: list[StandingOut] = Field(
        description="组织者看到全体学员；学员只看到自己的一行"
    )


class CloseOut(Schema):
    training_class: int
    closed_at: datetime
    completions: int
    not_completed: int
    hours: Decimal
    certificates_requested: bool


class CourseShareIn(Schema):
    organisation: str = Field(description="共享课程的党组织代码（课程所属）")
    scope: str = Field(
        description="subtree 本级下属党组织、named 下属及指定党组织、all 所有党组织"
    )
    shared_with: list[str] = Field(
        default_factory=list, max_length=200, description="指定共享的党组织代码"
    )


class SharedCourseOut(Schema):
    course: int
    title: str
    organisation: str = Field(description="课程所属党组织代码")
    organisation_name: str
    scope: str
    scope_label: str
    shared_with: list[str]
    shared_at: datetime
    adoption: int | None = Field(
        description="本组织对该课程的有效采用编号（未采用为空）"
    )


class SharedCourseListOut(Schema):
    organisation: str
    items: list[SharedCourseOut]


class AdoptIn(Schema):
    organisation: str = Field(description="采用课程的党组织代码")
    course: int = Field(description="课程页面编号")
    topic: int | None = Field(
        default=None, description="纳入的专题页面编号（以链接展示，不复制课时）"
    )
    plan_line: int | None = Field(default=None, description="计划培训项目编号")


class AdoptionOut(Schema):
    id: int
    organisation: str
    organisation_name: str
    course: int
    course_title: str
    topic: int | None
    plan_line: int | None
    adopted_at: datetime
    withdrawn_at: datetime | None


class AdopterOut(Schema):
    organisation: str
    organisation_name: str
    adopted_at: datetime
    completions: int = Field(description="该组织党员完成课程人数")


class AdoptionFiguresOut(Schema):
    course: int
    title: str
    organisation: str
    adopted_by: int = Field(description="采用的党组织数")
    own_completions: int = Field(description="课程所属组织党员完成人数")
    completions: int = Field(description="所属组织和各采用组织党员完成人数合计")
    adopters: list[AdopterOut]
