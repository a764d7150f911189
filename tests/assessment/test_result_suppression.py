"""Contest results never give away one member's score: not in a row, not by
subtracting rows shown from a total or a parent (complementary suppression along
the tree), not in the files, not by comparing figures before and after a
submission (no score figures until the contest closes). The tests play the
attacker: they take everything a viewer can see and try to work a score out."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from assessment.models import QuizAttempt
from assessment.selectors.reports import MIN_GROUP_SIZE, OWN, rows_to_withhold
from learning.models import PATH_STEP
from tests import factories
from tests.assessment.conftest import call

# --- the rule on a tree, without a database -----------------------------------------


def _tree_rows(own: dict[str, int], root: str):
    """Every row's participants and the rows right below it, as a viewer sees the
    drill-down (an organisation, its child organisations and its own members)."""
    size: dict[str, int] = {}
    kids: dict[str, set[str]] = {}
    for path, n in own.items():
        size[path + OWN] = n
        kids.setdefault(path, set()).add(path + OWN)
        node = path
        while True:
            size[node] = size.get(node, 0) + n
            if node == root:
                break
            kids.setdefault(node[:-PATH_STEP], set()).add(node)
            node = node[:-PATH_STEP]
    return size, kids


def _recoverable(own: dict[str, int], root: str, withheld: set[str]) -> list[int]:
    """For every row shown, how many participants subtracting the rows shown
    below it (through withheld rows, down the drill-down) leaves: the groups whose
    total score a viewer can work out."""
    size, kids = _tree_rows(own, root)

    def frontier(key: str) -> list[str]:
        found: list[str] = []
        for kid in kids.get(key, ()):
            found += frontier(kid) if kid in withheld else [kid]
        return found

    return [
        size[key] - sum(size[kid] for kid in frontier(key))
        for key in size
        if key not in withheld
    ]


def _safe(own: dict[str, int], root: str) -> set[str]:
    withheld = rows_to_withhold(root=root, own=own)
    for rest in _recoverable(own, root, withheld):
        assert rest == 0 or rest >= MIN_GROUP_SIZE, (own, withheld)
    return withheld


R = "000001"


def _p(*steps: int) -> str:
    return R + "".join(f"{step:06d}" for step in steps)


def test_the_smallest_other_sibling_is_withheld_with_a_small_one():
    # A community with branches of 1, 5 and 6 participants: total 12.
    own = {_p(1, 1): 1, _p(1, 2): 5, _p(1, 3): 6}
    withheld = _safe(own, R)
    assert _p(1, 1) in withheld and _p(1, 2) in withheld
    assert _p(1, 3) not in withheld and _p(1) not in withheld and R not in withheld


def test_the_total_is_withheld_when_no_sibling_can_cover():
    # Two branches of one participant each: together still fewer than three.
    own = {_p(1): 1, _p(2): 1}
    assert R in _safe(own, R)


def test_a_row_shown_only_through_its_only_child_is_no_cover():
    """Withholding a sub-district whose one community shows the same figure would
    hide nothing: the figure and all its copies go together."""
    own = {_p(1, 1, 1): 4, _p(2, 1, 1): 1}
    withheld = _safe(own, R)
    assert {_p(1), _p(1, 1), _p(1, 1, 1), _p(1, 1, 1) + OWN} <= withheld
    assert R not in withheld


def test_suppression_holds_on_random_trees():
    rng = random.Random(20261207)
    for _ in range(300):
        own: dict[str, int] = {}
        for _ in range(rng.randint(1, 12)):
            depth = rng.randint(0, 3)
            path = R + "".join(f"{rng.randint(1, 3):06d}" for _ in range(depth))
            own[path] = own.get(path, 0) + rng.choice([1, 1, 2, 3, 4, 7])
        _safe(own, R)


# --- through the API, as an attacker -------------------------------------------------


def _scored(contest, organisation, score: int, clock) -> None:
    """A member of ``organisation`` who handed in ``score``."""
    member = factories.member(organisation=organisation)
    now = clock()
    QuizAttempt.objects.create(
        quiz=contest.quiz,
        member=member,
        number=1,
        status=QuizAttempt.Status.SUBMITTED,
        started_at=now - timedelta(minutes=5),
        deadline=now + timedelta(minutes=10),
        closed_at=now,
        elapsed_seconds=300,
        question_count=4,
        correct_count=score // 25,
        score=Decimal(score),
        passed=score >= 60,
    )


def _everything_shown(client, contest, code: str) -> dict:
    """Every report a viewer reaches from ``code`` by drilling down: code → body."""
    seen: dict[str, dict] = {}
    todo = [code]
    while todo:
        here = todo.pop()
        response = call(
            client, "GET", f"contests/{contest.pk}/results?organisation={here}"
        )
        assert response.status_code == 200, response.content
        seen[here] = body = response.json()
        todo += [
            row["code"]
            for row in body["children"]
            if row["organisation_id"] is not None and row["code"] not in seen
        ]
    return seen


def _derived_groups(reports: dict) -> list[tuple[int, float]]:
    """(participants, total score) of every group a viewer can work out by
    subtracting shown rows from a shown total, following withheld rows down."""

    def frontier(code: str) -> list[dict]:
        found: list[dict] = []
        for row in reports[code]["children"]:
            if not row["participants"]:
                continue
            if not row["suppressed"]:
                found.append(row)
            elif row["organisation_id"] is not None:
                found += frontier(row["code"])
        return found

    groups = []
    for code, body in reports.items():
        total = body["total"]
        if total["suppressed"] or not total["participants"]:
            continue
        shown = frontier(code)
        n = total["participants"] - sum(row["participants"] for row in shown)
        points = total["average_score"] * total["participants"] - sum(
            row["average_score"] * row["participants"] for row in shown
        )
        groups.append((n, round(points, 1)))
    return groups


def test_the_reported_case_gives_no_score_by_subtraction(
    contest, tree, editor, client_for, clock
):
    """5 took part: 4 in S1, 1 (who scored 50) in S2. Before, the total (27.0) and
    S1 (21.3, hence 85 points) gave S2's member: 135 − 85 = 50."""
    for score in (25, 25, 25, 0):
        _scored(contest, tree["branch1"], score, clock)
    _scored(contest, tree["branch2"], 50, clock)
    clock(2 * 3600)
    reports = _everything_shown(client_for(editor), contest, "D")
    top = reports["D"]
    assert top["total"]["participants"] == 5
    rows = {row["code"]: row for row in top["children"]}
    assert rows["S2"]["suppressed"] and rows["S2"]["average_score"] is None
    assert top["total"]["suppressed"] or rows["S1"]["suppressed"]
    for n, points in _derived_groups(reports):
        assert n == 0 or n >= MIN_GROUP_SIZE, (n, points)
    # And nowhere does 50 appear as a figure of fewer than three.
    for body in reports.values():
        for row in [body["total"], *body["children"]]:
            if row["participants"] and row["participants"] < MIN_GROUP_SIZE:
                assert row["average_score"] is None and row["passed"] is None


def test_a_parent_minus_its_shown_children_gives_nothing(
    contest, tree, editor, client_for, clock
):
    """A community with three branches of 1, 5 and 6 participants: the community's
    figure minus the two large branches would be the small one's member."""
    community = tree["community1"]
    small, middle, large = (
        factories.organisation(parent=community, code=code) for code in "XYZ"
    )
    _scored(contest, small, 95, clock)
    for _ in range(5):
        _scored(contest, middle, 50, clock)
    for _ in range(6):
        _scored(contest, large, 75, clock)
    clock(2 * 3600)
    reports = _everything_shown(client_for(editor), contest, "D")
    rows = {row["code"]: row for row in reports["C1"]["children"]}
    assert rows["X"]["suppressed"] and rows["Y"]["suppressed"]
    assert not rows["Z"]["suppressed"] and rows["Z"]["average_score"] == 75.0
    assert not reports["C1"]["total"]["suppressed"]  # 12 participants, shown
    for n, points in _derived_groups(reports):
        assert n == 0 or n >= MIN_GROUP_SIZE, (n, points)
    # The files hold what the JSON holds: the withheld rows read 不公布.
    csv = call(client_for(editor), "GET",
               f"contests/{contest.pk}/results?organisation=C1&format=csv")  # fmt: skip
    lines = csv.content.decode("utf-8-sig").splitlines()
    for code in ("X", "Y"):
        [line] = [line for line in lines if line.startswith(f"{code},")]
        assert line.endswith("不公布,不公布,不公布")
    assert "95" not in "".join(line for line in lines if line.startswith("X,"))


def test_no_score_figures_while_the_contest_is_open(
    contest, tree, editor, client_for, clock
):
    """Totals compared before and after one submission would give its score."""
    client = client_for(editor)
    for _ in range(4):
        _scored(contest, tree["branch1"], 25, clock)
    before = call(client, "GET", f"contests/{contest.pk}/results?organisation=D").json()
    _scored(contest, tree["branch1"], 100, clock)
    after = call(client, "GET", f"contests/{contest.pk}/results?organisation=D").json()
    for body in (before, after):
        assert body["scores_after"] is not None
        for row in [body["total"], *body["children"]]:
            if row["participants"]:
                assert row["suppressed"] and row["average_score"] is None
                assert row["passed"] is None
    assert (before["total"]["participants"], after["total"]["participants"]) == (4, 5)
    csv = call(client, "GET",
               f"contests/{contest.pk}/results?organisation=D&format=csv")  # fmt: skip
    assert "竞赛结束" in csv.content.decode("utf-8-sig")
    clock(2 * 3600)
    closed = call(client, "GET", f"contests/{contest.pk}/results?organisation=D").json()
    assert closed["scores_after"] is None
    assert closed["total"]["average_score"] == 40.0


def test_attempts_open_at_the_close_count_in_the_first_figures_published(
    contest, tree, editor, client_for, clock, bank
):
    """Otherwise the figures would change when such an attempt is closed later,
    and the change would be that member's score."""
    for _ in range(3):
        _scored(contest, tree["branch1"], 50, clock)
    late = factories.member(organisation=tree["branch1"], username="late")
    started = call(client_for(late.user), "POST", f"contests/{contest.pk}/attempt")
    assert started.status_code == 201
    clock(2 * 3600)
    body = call(client_for(editor), "GET",
                f"contests/{contest.pk}/results?organisation=D").json()  # fmt: skip
    assert body["total"]["participants"] == 4
    assert body["total"]["average_score"] == 37.5  # 50, 50, 50 and 0 unanswered


def test_a_public_ranking_still_withholds_nothing(
    contest, tree, editor, client_for, clock
):
    contest.ranking_public = True
    contest.save()
    _scored(contest, tree["branch2"], 75, clock)
    body = call(client_for(editor), "GET",
                f"contests/{contest.pk}/results?organisation=D").json()  # fmt: skip
    assert body["min_group_size"] is None and body["scores_after"] is None
    assert body["total"]["average_score"] == 75.0 and not body["total"]["suppressed"]
