"""Pass rates of a quiz or exam and the results of an online contest, along the
organisation tree: the node's figures and each child organisation's (drill down by
asking again with a child's code), aggregated in SQL over the first characters of
the materialised path by learning's drill-down (``learning.selectors.tree``), as
learning's reports are. Scoping (an organisation admin sees
only their subtree) is checked by the caller with
``learning.selectors.user_can_report_on``.

An online contest's results are seen by every member it is open to (the portal's
contest page), so they must not give away one member's score: an organisation row
with fewer than ``MIN_GROUP_SIZE`` participants shows its participation but not
its score figures, unless the organiser made the individual ranking public.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, OuterRef, Subquery

from assessment.models import OnlineContest, Quiz, QuizAttempt
from assessment.selectors.quizzes import CLOSED
from learning.models import Member, Organisation
from learning.selectors import (
    figures_by_child,
    organisation_drill_rows,
    organisation_subtree_q,
)

# The fewest participants an organisation row of contest results needs for its
# passed count, pass rate and average score to be shown: with one or two, the
# figures would be (or nearly be) a member's own score.
MIN_GROUP_SIZE = 3


@dataclass
class ResultRow:
    """The figures of one organisation (or of the node's own members).
    ``suppressed``: too few took part for its score figures to be shown, so
    ``passed``, ``pass_rate`` and ``average_score`` are None."""

    organisation_id: int | None
    code: str
    name: str
    members: int = 0
    participants: int = 0
    passed: int | None = 0
    average_score: float | None = None
    suppressed: bool = False

    @property
    def participation(self) -> float:
        if not self.members:
            return 0.0
        return round(100 * self.participants / self.members, 1)

    @property
    def pass_rate(self) -> float | None:
        if self.passed is None:
            return None
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
            "suppressed": self.suppressed,
        }


@dataclass
class ResultReport:
    """A node's figures and its children's. ``min_group_size``: rows with fewer
    participants have their score figures withheld (None: nothing is withheld)."""

    organisation: Organisation
    subject: str
    total: ResultRow
    children: list[ResultRow]
    min_group_size: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": {
                "id": self.organisation.pk,
                "code": self.organisation.code,
                "name": self.organisation.name,
            },
            "subject": self.subject,
            "min_group_size": self.min_group_size,
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

    WITHHELD = "不公布"

    def table(self) -> list[list[Any]]:
        """The report as rows for CSV/XLSX (subject first, with the rule on withheld
        figures when there is one, then a header); a withheld figure reads
        ``WITHHELD``."""
        first: list[Any] = [self.subject]
        if self.min_group_size is not None:
            first.append(
                f"参加人数少于 {self.min_group_size} 人的组织不公布及格人数、"
                "及格率和平均分"
            )
        rows: list[list[Any]] = [first, list(self.HEADER)]
        for row in [self.total, *self.children]:
            figures = (
                [self.WITHHELD] * 3
                if row.suppressed
                else [
                    row.passed,
                    row.pass_rate,
                    row.average_score if row.average_score is not None else "",
                ]
            )
            rows.append(
                [
                    row.code,
                    row.name,
                    row.members,
                    row.participants,
                    row.participation,
                    *figures,
                ]
            )
        return rows


def _report(
    *,
    organisation: Organisation,
    quiz: Quiz,
    within: str,
    subject: str,
    min_group_size: int | None = None,
) -> ResultReport:
    """Members of ``organisation``'s subtree inside the path ``within``; those with
    a closed attempt at ``quiz``, those who passed, and the average of each one's
    best score (withheld for a row with some, but fewer than ``min_group_size``,
    participants)."""
    members = Member.objects.filter(
        organisation_subtree_q(path=organisation.path),
        organisation_subtree_q(path=within),
    )
    closed = QuizAttempt.objects.filter(
        quiz=quiz, status__in=CLOSED, member__in=members.values("pk")
    )
    counts = figures_by_child(members, organisation=organisation, n=Count("pk"))
    participants = figures_by_child(
        closed,
        organisation=organisation,
        path_field="member__organisation__path",
        n=Count("member", distinct=True),
    )
    passed = figures_by_child(
        closed.filter(passed=True),
        organisation=organisation,
        path_field="member__organisation__path",
        n=Count("member", distinct=True),
    )
    best = closed.filter(member=OuterRef("pk")).order_by("-score").values("score")[:1]
    averages = figures_by_child(
        members.annotate(best=Subquery(best)).filter(best__isnull=False),
        organisation=organisation,
        avg=Avg("best"),
    )

    def row(organisation_id, code, name, keys) -> ResultRow:
        n = sum(participants.get(k, 0) for k in keys)
        result = ResultRow(
            organisation_id=organisation_id,
            code=code,
            name=name,
            members=sum(counts.get(k, 0) for k in keys),
            participants=n,
        )
        if min_group_size is not None and 0 < n < min_group_size:
            result.passed, result.suppressed = None, True
            return result
        weighted = sum(
            Decimal(str(averages[k])) * participants.get(k, 0)
            for k in keys
            if averages.get(k) is not None
        )
        result.passed = sum(passed.get(k, 0) for k in keys)
        result.average_score = round(float(weighted) / n, 2) if n else None
        return result

    children = [
        row(drill.organisation_id, drill.code, drill.name, [drill.path])
        for drill in organisation_drill_rows(
            organisation=organisation, own_members=bool(counts.get(organisation.path))
        )
    ]
    total = row(organisation.pk, organisation.code, organisation.name, list(counts))
    return ResultReport(
        organisation=organisation,
        subject=subject,
        total=total,
        children=children,
        min_group_size=min_group_size,
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

    No member's own score appears: a row (the total too) with one or two
    participants, fewer than ``MIN_GROUP_SIZE`` (3), shows its members,
    participants and participation only; its passed count, pass rate and average
    score are None and it is marked ``suppressed``. When the organiser made the
    individual ranking public (``contest.ranking_public``), every score is public
    anyway and nothing is withheld (``min_group_size`` None). Raises nothing."""
    return _report(
        organisation=organisation,
        quiz=contest.quiz,
        within=contest.organisation.path,
        subject=f"知识竞赛：{contest.title}",
        min_group_size=None if contest.ranking_public else MIN_GROUP_SIZE,
    )
