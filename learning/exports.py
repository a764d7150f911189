"""CSV and XLSX files of a report, shared by the admin and the API."""

from __future__ import annotations

from django.http import HttpResponse

from dangke.exports import export_with_audit
from learning.choices import MemberType
from learning.selectors import Report

# 学时 are a training record, never an appraisal score (国办函〔2026〕12号 第六条):
# the columns and a closing line say so in every export.
TRAINING_RECORD_NOTE = "说明：学时是参加学习培训的记录，不是考核评分，不作为考评依据。"
HEADER = [
    "组织代码", "组织名称", "应学人数", "已完成", "覆盖率（%）", "人均学时（培训记录）",
]  # fmt: skip
LAGGARD_HEADER = ["姓名", "所在组织", "党员类别", "本年度学时（培训记录）"]


def _member_type_label(value: str) -> str:
    """党员类别 as people read it (正式党员…), not its stored code."""
    return MemberType(value).label if value in MemberType.values else value


def report_table(report: Report, laggards: list[dict]) -> list[list]:
    rows: list[list] = [[report.subject, f"{report.year} 年"], HEADER]
    for row in [report.total, *report.children]:
        rows.append(
            [
                row.code,
                row.name,
                row.members,
                row.completed,
                row.coverage,
                row.average_hours,
            ]
        )
    rows += [[], ["未完成人员"], LAGGARD_HEADER]
    rows += [
        [
            m["name"],
            m["organisation"],
            _member_type_label(m["member_type"]),
            float(m["credit_hours"]),
        ]
        for m in laggards
    ]
    rows += [[], [TRAINING_RECORD_NOTE]]
    return rows


def report_response(
    report: Report, laggards: list[dict], fmt: str, *, actor, channel: str
) -> HttpResponse:
    """An attachment of the report in ``fmt`` ("csv" or "xlsx"); names that look
    like formulas are written as text. The export is written to the audit log (who,
    through which ``channel``, which subtree and subject): ``dangke.exports
    .export_with_audit``."""
    return export_with_audit(
        report_table(report, laggards),
        fmt=fmt,
        filename=f"report-{report.organisation.code}-{report.year}",
        actor=actor,
        channel=channel,
        subject="learning.report",
        scope={
            "organisation": report.organisation.code,
            "subject": report.subject,
            "year": report.year,
        },
        row_count=1 + len(report.children) + len(laggards),
    )
