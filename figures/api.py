"""Figures API: the training statistics of an organisation and year (培训统计)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.security import django_auth

from dangke.api_errors import error_responses
from dangke.errors import DomainError
from dangke.tokens import TokenAuth
from figures import selectors, services

router = Router(tags=["figures"], auth=[TokenAuth(), django_auth])


class TallyOut(Schema):
    key: str
    label: str
    classes: int = Field(description="期数")
    people_times: int = Field(description="人次（签到）")
    hours: str = Field(description="授予学时")


class LecturerSessionsOut(Schema):
    name: str
    sessions: int = Field(description="授课课次")
    people_times: int = Field(description="听课人次")


class MeetingKindOut(Schema):
    kind: str
    label: str
    meetings: int = Field(description="场次")
    people_times: int = Field(description="人次")


class ChildOut(Schema):
    organisation: str
    name: str
    own: bool = Field(description="true：本级（不再下钻）")
    classes: int
    people_times: int
    hours: str
    meetings: int
    meeting_people_times: int


class SharedCourseFiguresOut(Schema):
    course: int
    title: str
    organisation: str = Field(description="课程所属党组织代码")
    adopted_by: list[str] = Field(description="采用的党组织代码")
    completions: int = Field(description="所属组织和各采用组织党员完成人数（当年）")


class AdoptedCourseFiguresOut(Schema):
    course: int
    title: str
    organisation: str = Field(description="采用的党组织代码")
    completions: int = Field(description="采用组织党员完成人数（当年）")


class SharingOut(Schema):
    shared: list[SharedCourseFiguresOut] = Field(description="本级及下级共享的课程")
    adopted: list[AdoptedCourseFiguresOut] = Field(description="本级及下级采用的课程")


class StatisticsOut(Schema):
    organisation: str
    organisation_name: str
    year: int
    classes: int = Field(description="期数")
    sessions: int = Field(description="课次")
    people_times: int = Field(description="人次（签到）")
    hours: str = Field(description="授予学时")
    completions: int = Field(description="结业人数")
    certificates: int = Field(description="有效结业证书")
    planned_classes: str = Field(description="计划期数（已备案计划）")
    plan_percent: float | None = Field(description="计划期数完成率（%）")
    by_kind: list[TallyOut]
    by_group: list[TallyOut]
    lecturers: list[LecturerSessionsOut]
    meetings: list[MeetingKindOut]
    children: list[ChildOut]
    sharing: SharingOut = Field(description="共建共享")


def _decimal(value) -> str:
    return f"{value.normalize():f}" if value else "0"


@router.get(
    "/training/{organisation}/{year}",
    response={200: StatisticsOut, **error_responses(400, 401, 403, 404)},
    operation_id="figures_training_statistics",
    summary="Training statistics of an organisation's subtree in a year (培训统计)",
    description="期数 and 人次 by training kind and target group, 学时 granted, "
    "completions, certificates, plan against actual, lecturers' sessions and branch "
    "meetings' 场次/人次, with a row per child organisation; counted from the "
    "records. For administrators of the organisation or above, and editors.",
)
def training_statistics(request: HttpRequest, organisation: str, year: int):
    node = services.statistics_organisation(user=request.user, code=organisation)
    if not 2000 <= year <= 2100:
        raise DomainError("年度应在 2000–2100 之间", code="invalid_year")
    stats = selectors.training_statistics(organisation=node, year=year)
    return {
        "organisation": node.code,
        "organisation_name": node.name,
        "year": year,
        "classes": stats.classes,
        "sessions": stats.sessions,
        "people_times": stats.people_times,
        "hours": _decimal(stats.hours),
        "completions": stats.completions,
        "certificates": stats.certificates,
        "planned_classes": _decimal(stats.planned_classes),
        "plan_percent": float(stats.plan_percent)
        if stats.plan_percent is not None
        else None,
        "by_kind": [t.as_dict() for t in stats.by_kind],
        "by_group": [t.as_dict() for t in stats.by_group],
        "lecturers": [
            {"name": name, "sessions": n, "people_times": people}
            for name, n, people in stats.lecturers
        ],
        "meetings": [
            {"kind": key, "label": label, "meetings": n, "people_times": people}
            for key, label, n, people in stats.meetings
        ],
        "children": [
            {
                "organisation": c.code,
                "name": c.name,
                "own": c.own,
                "classes": c.classes,
                "people_times": c.people_times,
                "hours": _decimal(c.hours),
                "meetings": c.meetings,
                "meeting_people_times": c.meeting_people_times,
            }
            for c in stats.children
        ],
        "sharing": {
            "shared": [
                {
                    "course": f.sharing.course_id,
                    "title": f.sharing.course.title,
                    "organisation": f.sharing.organisation.code,
                    "adopted_by": [a.organisation.code for a in f.adopters],
                    "completions": f.completions,
                }
                for f in stats.sharing.shared
            ],
            "adopted": [
                {
                    "course": a.course_id,
                    "title": a.course.title,
                    "organisation": a.organisation.code,
                    "completions": n,
                }
                for a, n in stats.sharing.adopted
            ],
        },
    }
