"""The ledger (台账) as a file: XLSX through ``dangke.exports`` and PDF through
``dangke.pdf`` (Chinese font embedded), both written to the audit log first."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from dangke.audit import audit_record
from dangke.exports import export_with_audit
from dangke.pdf import pdf_render, pdf_response
from meetings.models import MeetingKind
from meetings.selectors import Ledger

STATUS_LABELS = {"held": "按期", "due": "临近", "overdue": "逾期"}
HEADER = [
    "会议类型", "日期", "主题", "应到", "实到", "其中线上", "请假", "缺席",
    "补学", "送学上门", "纪要", "决议（责任人，期限）",
]  # fmt: skip


def _resolutions(row) -> str:
    return "\n".join(
        f"{r.text}（{r.owner.name}，{r.due_on:%Y-%m-%d}）" for r in row.resolutions
    )


def ledger_table(ledger: Ledger) -> list[list[Any]]:
    """The ledger's rows under a header, as the XLSX holds them."""
    title = f"{ledger.organisation.name} {ledger.year} 年组织生活台账"
    table: list[list[Any]] = [[title], HEADER]
    for row in ledger.rows:
        meeting = row.meeting
        table.append(
            [
                meeting.get_kind_display(),
                timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
                meeting.theme
                + (f"（{meeting.party_group.name}）" if meeting.party_group else "")
                + (
                    f"（已取消：{meeting.cancel_reason}）"
                    if meeting.cancelled_at
                    else ""
                ),
                row.expected,
                row.present,
                row.online,
                row.leave,
                row.absent,
                row.makeup,
                row.home_visit,
                (row.minutes.text if row.minutes else "")
                + (
                    "\n附件：" + "、".join(f.name for f in row.attachments)
                    if row.attachments
                    else ""
                ),
                _resolutions(row),
            ]
        )
    table.append([])
    table.append(["会议类型", "本年已开", "最近一次", "应于此前召开", "状态"])
    for kind in ledger.kinds:
        table.append(
            [
                MeetingKind(kind.kind).label,
                kind.held,
                kind.last_held.isoformat() if kind.last_held else "",
                kind.due_by.isoformat(),
                STATUS_LABELS[kind.status],
            ]
        )
    if ledger.groups:
        table.append([])
        table.append(["党小组", "本年召开党小组会"])
        for group, held in ledger.groups:
            table.append([group.name, held])
    return table


def ledger_response(ledger: Ledger, fmt: str, *, actor, channel: str) -> HttpResponse:
    """The ledger as an ``xlsx`` or ``pdf`` attachment, the export audited."""
    filename = f"ledger-{ledger.organisation.code}-{ledger.year}"
    scope = {"organisation": ledger.organisation.code, "year": ledger.year}
    if fmt == "pdf":
        audit_record(
            actor=actor,
            action="export",
            subject="meetings.ledger",
            channel=channel,
            scope={**scope, "format": "pdf"},
            row_count=len(ledger.rows),
        )
        content = pdf_render(
            template_name="meetings/ledger_pdf.html",
            context={
                "ledger": ledger,
                "rows": [
                    {"row": row, "resolutions": _resolutions(row)}
                    for row in ledger.rows
                ],
                "kinds": [
                    {
                        "k": k,
                        "label": MeetingKind(k.kind).label,
                        "status": STATUS_LABELS[k.status],
                    }
                    for k in ledger.kinds
                ],  # fmt: skip
                "printed_at": timezone.localtime(),
            },
            title=f"{ledger.organisation.name} {ledger.year} 年组织生活台账",
            landscape=True,
        )
        return pdf_response(content, filename=filename)
    return export_with_audit(
        ledger_table(ledger),
        fmt=fmt,
        filename=filename,
        actor=actor,
        channel=channel,
        subject="meetings.ledger",
        scope=scope,
        row_count=len(ledger.rows),
    )
