"""Who may read the statistics, and the statistics as a table (for XLSX/CSV)."""

from __future__ import annotations

from typing import Any

from dangke.errors import NotFound, NotPermitted
from figures.selectors import TrainingStatistics
from learning import selectors as learning_selectors
from learning.models import Organisation


class StatisticsNotPermitted(NotPermitted):
    code = "statistics_not_permitted"


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"


def statistics_organisation(*, user: Any, code: str) -> Organisation:
    """The organisation ``code`` if ``user`` may read its statistics (administrators
    of it or above, editors). Raises OrganisationNotFound, StatisticsNotPermitted."""
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise OrganisationNotFound(f"没有代码为 {code} 的党组织")
    if not learning_selectors.user_can_report_on(user=user, organisation=organisation):
        raise StatisticsNotPermitted("只能查看本组织及下级组织的培训统计")
    return organisation


def statistics_table(stats: TrainingStatistics) -> list[list[Any]]:
    """The statistics as rows of a spreadsheet (one sheet, sections one below the
    other)."""
    rows: list[list[Any]] = [
        [f"{stats.organisation.name} {stats.year} 年培训统计"],
        [
            "期数",
            "课次",
            "人次",
            "学时",
            "结业人数",
            "有效证书",
            "计划期数",
            "计划完成率（%）",
        ],
        [
            stats.classes,
            stats.sessions,
            stats.people_times,
            stats.hours,
            stats.completions,
            stats.certificates,
            stats.planned_classes,
            stats.plan_percent if stats.plan_percent is not None else "",
        ],
        [],
        ["按培训类型", "期数", "人次", "学时"],
        *[[t.label, t.classes, t.people_times, t.hours] for t in stats.by_kind],
        [],
        ["按培训对象", "期数", "人次", "学时"],
        *[[t.label, t.classes, t.people_times, t.hours] for t in stats.by_group],
        [],
        ["授课讲师", "授课课次", "听课人次"],
        *[[name, n, people] for name, n, people in stats.lecturers],
        [],
        ["组织生活", "场次", "人次"],
        *[[label, n, people] for _key, label, n, people in stats.meetings],
        [],
        ["下级组织", "期数", "人次", "学时", "组织生活场次", "组织生活人次"],
        *[
            [
                c.name,
                c.classes,
                c.people_times,
                c.hours,
                c.meetings,
                c.meeting_people_times,
            ]
            for c in stats.children
        ],
    ]
    return rows
