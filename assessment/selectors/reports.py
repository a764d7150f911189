"""Pass rates of a quiz or exam and the results of an online contest, along the
organisation tree: the node's figures and each child organisation's (drill down by
asking again with a child's code), aggregated in SQL over the first characters of
the materialised path like learning's reports. Scoping (an organisation admin sees
only their subtree) is checked by the caller with
``learning.selectors.user_can_report_on``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Substr

from assessment.models import OnlineContest, Quiz, QuizAttempt
from assessment.selectors.quizzes import CLOSED
from learning.models import PATH_STEP, Member, Organisation


@dataclass
class ResultRow:
    """The figures of one organisation (or of the node's own members)."""

    organisation_id: int | None
    code: str
    name: str
    members: int = 0
    participants: int = 0
    passed: int = 0
    average_score: float | None = None

    @property
    def participation(self) -> float:
        if not self.members:
            return 0.0
        return round(100 * self.participants / self.members, 1)

    @property
    def pass_rate(self) -> float:
        if not self.participants:
            return 0.0
        return round(100 * self.passed / self.participants, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation_id": self.organisation_id,
            "code": self.code,
            "name": self.name,
            "members": self.members,
            "participants": self.participants,
            "participation": self.participation,
            "passed": self.passed,
            "pass_rate": self.pass_rate,
            "average_score": self.average_score,
        }


@dataclass
class ResultReport:
    organisation: Organisation
    subject: str
    total: ResultRow
    children: list[ResultRow]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": {
                "id": self.organisation.pk,
                "code": self.organisation.code,
                "name": self.organisation.name,
            },
            "subject": self.subject,
            "total": self.total.as_dict(),
            "children": [row.as_dict() for row in self.children],
        }

    HEADER = (
        "组织代码",
        "组织名称",
        "党员人数",
        "参加人数",
        "参与率（%）",
        "及格人数",
        "及格率（%）",
        "平均分",
    )

    def table(self) -> list[list[Any]]:
        """The report as rows for CSV/XLSX (subject first, then a header)."""
        rows: list[list[Any]] = [[self.subject], list(self.HEADER)]
        for row in [self.total, *self.children]:
            rows.append(
                [
                    row.code,
                    row.name,
                    row.members,
                    row.participants,
                    row.participation,
                    row.passed,
                    row.pass_rate,
                    row.average_score if row.average_score is not None else "",
                ]
            )
        return rows


def _by_prefix(queryset: QuerySet, path_field: str, width: int, **aggregate) -> dict:
    (name,) = aggregate
    return dict(
        queryset.annotate(prefix=Substr(path_field, 1, width))
        .values("prefix")
        .annotate(**aggregate)
        .values_list("prefix", name)
    )


def _report(
    *, organisation: Organisation, quiz: Quiz, within: str, subject: str
) -> ResultReport:
    """Members of ``organisation``'s subtree inside the path ``within``; those with
    a closed attempt at ``quiz``, those who passed, and the average of each one's
    best score."""
    width = len(organisation.path) + PATH_STEP
    members = Member.objects.filter(
        organisation__path__startswith=organisation.path
    ).filter(organisation__path__startswith=within)
    closed = QuizAttempt.objects.filter(
        quiz=quiz, status__in=CLOSED, member__in=members.values("pk")
    )
    counts = _by_prefix(members, "organisation__path", width, n=Count("pk"))
    participants = _by_prefix(
        closed, "member__organisation__path", width, n=Count("member", distinct=True)
    )
    passed = _by_prefix(
        closed.filter(passed=True),
        "member__organisation__path",
        width,
        n=Count("member", distinct=True),
    )
    best = closed.filter(member=OuterRef("pk")).order_by("-score").values("score")[:1]
    averages = _by_prefix(
        members.annotate(best=Subquery(best)).filter(best__isnull=False),
        "organisation__path",
        width,
        avg=Avg("best"),
    )

    def row(organisation_id, code, name, keys) -> ResultRow:
        n = sum(participants.get(k, 0) for k in keys)
        weighted = sum(
            Decimal(str(averages[k])) * participants.get(k, 0)
            for k in keys
            if averages.get(k) is not None
        )
        return ResultRow(
            organisation_id=organisation_id,
            code=code,
            name=name,
            members=sum(counts.get(k, 0) for k in keys),
            participants=n,
            passed=sum(passed.get(k, 0) for k in keys),
            average_score=round(float(weighted) / n, 2) if n else None,
        )

    children = [
        row(child.pk, child.code, child.name, [child.path])
        for child in Organisation.objects.filter(parent=organisation).order_by("path")
    ]
    if counts.get(organisation.path):
        children.insert(
            0,
            row(
                None,
                organisation.code,
                f"{organisation.name}（本级）",
                [organisation.path],
            ),
        )
    total = row(organisation.pk, organisation.code, organisation.name, list(counts))
    return ResultReport(
        organisation=organisation, subject=subject, total=total, children=children
    )


def pass_rate_report(*, organisation: Organisation, quiz: Quiz) -> ResultReport:
    """Pass rates of ``quiz`` (a course exam or a lesson quiz) in ``organisation``'s
    subtree: members, members who handed in an attempt, members who passed, pass
    rate among them and the average of their best scores, per child organisation.
    Raises nothing."""
    return _report(
        organisation=organisation,
        quiz=quiz,
        within="",
        subject=f"{quiz.get_kind_display()}：{quiz.title}",
    )


def contest_results_report(
    *, organisation: Organisation, contest: OnlineContest
) -> ResultReport:
    """Participation and average score of an online contest in ``organisation``'s
    subtree (only members the contest is open to count), per child organisation.
    No member's own score appears. Raises nothing."""
    return _report(
        organisation=organisation,
        quiz=contest.quiz,
        within=contest.organisation.path,
        subject=f"知识竞赛：{contest.title}",
    )
