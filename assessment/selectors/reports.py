"""Pass rates of a quiz or exam and the results of an online contest, along the
organisation tree: the node's figures and each child organisation's (drill down by
asking again with a child's code), aggregated in SQL over the first characters of
the materialised path by learning's drill-down (``learning.selectors.tree``), as
learning's reports are. Scoping (an organisation admin sees
only their subtree) is checked by the caller with
``learning.selectors.user_can_report_on``.

An online contest's results are seen by every member it is open to (the portal's
contest page), so no figure shown, nor any sum or difference of figures shown,
may give away one member's score. One function decides which rows withhold their
score figures (passed, pass rate, average), ``contest_results_withheld``, and every
view of the results (API, CSV/XLSX, portal; members, secretaries and editors alike)
goes through ``contest_results_report``, which asks it:

- while the contest is open, no row shows score figures (comparing a total before
  and after one submission would give that member's score); participation shows;
- once it has closed, a row with fewer than ``MIN_GROUP_SIZE`` participants
  withholds them, and so does, where needed, another row (complementary
  suppression): for every figure shown, the participants it covers that no shown
  row below it covers (what subtracting the shown rows below from it gives) number
  0 or at least ``MIN_GROUP_SIZE``. The decision is made once over the contest's
  whole organisation tree, so a parent, its drill-down and any other node's view
  agree;
- when the organiser made the individual ranking public, nothing is withheld.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, OuterRef, Subquery
from django.utils import timezone

from assessment.models import OnlineContest, Quiz, QuizAttempt
from assessment.selectors.quizzes import CLOSED
from learning.models import PATH_STEP, Member, Organisation
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
    scores_after: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": {
                "id": self.organisation.pk,
                "code": self.organisation.code,
                "name": self.organisation.name,
            },
            "subject": self.subject,
            "min_group_size": self.min_group_size,
            "scores_after": self.scores_after,
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
        if self.scores_after is not None:
            closes = timezone.localtime(self.scores_after)
            first.append(
                f"竞赛结束（{closes:%Y-%m-%d %H:%M}）后才公布及格人数、及格率和平均分"
            )
        elif self.min_group_size is not None:
            first.append(
                f"参加人数少于 {self.min_group_size} 人的组织不公布及格人数、"
                "及格率和平均分；为免由合计或上级相减推算，必要时另一组织或合计"
                "也不公布"
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


OWN = "#"  # a decision key's suffix for an organisation's own members (本级)

Withheld = Callable[[str], bool]


def _report(
    *,
    organisation: Organisation,
    quiz: Quiz,
    within: str,
    subject: str,
    withheld: Withheld | None = None,
) -> ResultReport:
    """Members of ``organisation``'s subtree inside the path ``within``; those with
    a closed attempt at ``quiz``, those who passed, and the average of each one's
    best score (withheld for a row with participants when ``withheld`` says so of
    its decision key: an organisation's path, or the path and ``OWN`` for its own
    members)."""
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

    def row(organisation_id, code, name, keys, decision: str) -> ResultRow:
        n = sum(participants.get(k, 0) for k in keys)
        result = ResultRow(
            organisation_id=organisation_id,
            code=code,
            name=name,
            members=sum(counts.get(k, 0) for k in keys),
            participants=n,
        )
        if n and withheld is not None and withheld(decision):
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
        row(
            drill.organisation_id,
            drill.code,
            drill.name,
            [drill.path],
            drill.path if drill.organisation_id is not None else drill.path + OWN,
        )
        for drill in organisation_drill_rows(
            organisation=organisation, own_members=bool(counts.get(organisation.path))
        )
    ]
    total = row(
        organisation.pk,
        organisation.code,
        organisation.name,
        list(counts),
        organisation.path,
    )
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


def _participants_by_organisation(contest: OnlineContest) -> dict[str, int]:
    """Each organisation path of the contest's subtree → how many of its own
    members handed in an attempt."""
    return dict(
        QuizAttempt.objects.filter(
            quiz=contest.quiz,
            status__in=CLOSED,
            member__organisation__path__startswith=contest.organisation.path,
        )
        .values("member__organisation__path")
        .annotate(n=Count("member", distinct=True))
        .values_list("member__organisation__path", "n")
    )


def rows_to_withhold(
    *, root: str, own: dict[str, int], min_group_size: int = MIN_GROUP_SIZE
) -> set[str]:
    """The decision keys (organisation paths, and a path + ``OWN`` for its own
    members) of the tree under ``root`` whose score figures are withheld, given
    each organisation's own participants (``own``, path → count; paths outside
    ``root`` are ignored).

    Rows covering the same participants (an organisation and its only
    participating child, or its own members when it has no participating child)
    are one figure and share one decision. Primary: a row with 1 to
    ``min_group_size`` - 1 participants. Complementary, bottom-up: for every row
    shown, the participants it covers beyond its nearest shown rows below (what
    subtracting them recovers) must number 0 or at least ``min_group_size``;
    otherwise the smallest of those rows below whose own remainder is not empty is
    withheld too (one is enough: that remainder is at least ``min_group_size``
    already), or, when there is none, the row itself, which moves the remainder up
    to the next row shown. Raises nothing."""
    size: dict[str, int] = {}  # participants a row covers
    kids: dict[str, set[str]] = {}
    for path, n in own.items():
        if not n or not path.startswith(root):
            continue
        size[path + OWN] = n
        kids.setdefault(path, set()).add(path + OWN)
        node = path
        while True:
            size[node] = size.get(node, 0) + n
            if node == root:
                break
            parent = node[:-PATH_STEP]
            kids.setdefault(parent, set()).add(node)
            node = parent
    if root not in size:
        return set()
    same: dict[str, list[str]] = {}  # a figure → every row showing it

    def figure(key: str) -> str:
        """Collapse ``key`` with the rows below it that cover the same members."""
        same[key] = [key]
        bottom = key
        while len(kids.get(bottom, ())) == 1:
            (bottom,) = kids[bottom]
            same[key].append(bottom)
        below[key] = [figure(kid) for kid in sorted(kids.get(bottom, ()))]
        return key

    below: dict[str, list[str]] = {}
    figure(root)
    withheld = {key for key in same if size[key] < min_group_size}
    remainder: dict[str, int] = {}

    def frontier(key: str) -> list[str]:
        """The nearest shown figures below ``key``."""
        found: list[str] = []
        for kid in below[key]:
            found += frontier(kid) if kid in withheld else [kid]
        return found

    def settle(key: str) -> None:
        for kid in below[key]:
            settle(kid)
        while key not in withheld:
            shown_below = frontier(key)
            rest = size[key] - sum(size[kid] for kid in shown_below)
            remainder[key] = rest
            if not 0 < rest < min_group_size:
                return
            helpers = [kid for kid in shown_below if remainder[kid] > 0]
            if helpers:
                withheld.add(min(helpers, key=lambda kid: (size[kid], kid)))
            else:
                withheld.add(key)

    settle(root)
    return {row for key in withheld for row in same[key]}


def contest_results_withheld(
    *, contest: OnlineContest, now: datetime | None = None
) -> Withheld | None:
    """The one rule on which rows of an online contest's results withhold their
    score figures (see the module's docstring): a test of a row's decision key
    (an organisation's path; its path + ``OWN`` for its own members), or None when
    nothing is withheld (the organiser made the individual ranking public). Rows
    above the contest's organisation cover what it covers and follow it; rows
    with no participants have nothing to withhold. Raises nothing."""
    if contest.ranking_public:
        return None
    now = now or timezone.now()
    if now < contest.closes_at:
        return lambda key: True
    root = contest.organisation.path
    keys = rows_to_withhold(root=root, own=_participants_by_organisation(contest))

    def withheld(key: str) -> bool:
        if not key.endswith(OWN) and root.startswith(key):
            key = root  # the contest's organisation or a row above it
        return key in keys

    return withheld


def contest_results_report(
    *,
    organisation: Organisation,
    contest: OnlineContest,
    now: datetime | None = None,
) -> ResultReport:
    """Participation and average score of an online contest in ``organisation``'s
    subtree (only members the contest is open to count), per child organisation.

    No member's own score appears, nor can be worked out from what appears
    (``contest_results_withheld``): a row whose score figures are withheld shows
    its members, participants and participation only; its passed count, pass
    rate and average score are None and it is marked ``suppressed``. While the
    contest is open every row with participants is, and ``scores_after`` says
    when they come. When the organiser made the individual ranking public
    (``contest.ranking_public``), every score is public anyway and nothing is
    withheld (``min_group_size`` None). Attempts left open past the contest's
    close count once closed: callers close them first
    (``services.attempts_close_expired``). Raises nothing."""
    now = now or timezone.now()
    withheld = contest_results_withheld(contest=contest, now=now)
    report = _report(
        organisation=organisation,
        quiz=contest.quiz,
        within=contest.organisation.path,
        subject=f"知识竞赛：{contest.title}",
        withheld=withheld,
    )
    if withheld is not None:
        report.min_group_size = MIN_GROUP_SIZE
        if now < contest.closes_at:
            report.scores_after = contest.closes_at
    return report
