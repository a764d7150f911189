"""知识竞赛·海选: a window, one attempt each, ranked by score then time; results per
organisation; nobody's score shown to others unless the organiser opts in."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from assessment.models import QuizAttempt
from dangke.models import AuditEntry
from tests import factories
from tests.assessment.conftest import call, right_answer


@pytest.fixture
def contest(contest):
    """The open contest, with a time limit of 15 minutes an attempt."""
    contest.quiz.time_limit_minutes = 15
    contest.quiz.save(update_fields=["time_limit_minutes"])
    return contest


def _take(client, contest, bank, right: int, clock=None, seconds: float = 0):
    attempt = call(client, "POST", f"contests/{contest.pk}/attempt")
    assert attempt.status_code == 201, attempt.content
    attempt = attempt.json()
    for question in list(bank.values())[:right]:
        call(client, "PUT", f"attempts/{attempt['id']}/answers/{question.pk}",
             right_answer(question))  # fmt: skip
    if clock:
        clock(seconds)
    return call(client, "POST", f"attempts/{attempt['id']}/submit").json()


def test_one_attempt_per_member(member, contest, bank, client_for):
    client = client_for(member.user)
    result = _take(client, contest, bank, right=2)
    assert result["result"]["score"] == "50.00"
    again = call(client, "POST", f"contests/{contest.pk}/attempt")
    assert again.status_code == 409
    assert again.json()["code"] == "contest_already_taken"
    detail = call(client, "GET", f"contests/{contest.pk}").json()
    assert detail["my_attempt"]["score"] == "50.00"


def test_the_window_is_enforced(member, contest, client_for, clock):
    client = client_for(member.user)
    contest.opens_at = clock() + timedelta(minutes=5)
    contest.save()
    early = call(client, "POST", f"contests/{contest.pk}/attempt")
    assert early.status_code == 409 and early.json()["code"] == "contest_not_open"
    contest.opens_at = clock() - timedelta(hours=2)
    contest.closes_at = clock() - timedelta(minutes=1)
    contest.save()
    late = call(client, "POST", f"contests/{contest.pk}/attempt")
    assert late.status_code == 409 and late.json()["code"] == "contest_closed"


def test_the_attempt_ends_when_the_window_closes(member, contest, client_for, clock):
    contest.closes_at = clock() + timedelta(minutes=5)
    contest.save()
    attempt = call(client_for(member.user), "POST", f"contests/{contest.pk}/attempt")
    stored = QuizAttempt.objects.get(pk=attempt.json()["id"])
    assert stored.deadline == contest.closes_at


def test_members_outside_the_subtree_cannot_take_it(contest, client_for, tree):
    contest.organisation = tree["sub1"]
    contest.save()
    outsider = factories.member(organisation=tree["branch2"], username="outsider")
    response = call(client_for(outsider.user), "POST", f"contests/{contest.pk}/attempt")
    assert response.status_code == 404
    listing = call(client_for(outsider.user), "GET", "contests").json()
    assert listing == []


def test_contest_papers_cannot_be_started_as_quizzes(member, contest, client_for):
    response = call(
        client_for(member.user), "POST", f"quizzes/{contest.quiz_id}/attempts"
    )
    assert response.status_code == 404


def test_ranking_is_off_unless_the_organiser_turns_it_on(
    member, other_member, contest, bank, client_for, clock
):
    _take(client_for(member.user), contest, bank, right=3, clock=clock, seconds=100)
    _take(client_for(other_member.user), contest, bank, right=3, clock=clock,
          seconds=50)  # fmt: skip
    client = client_for(member.user)
    refused = call(client, "GET", f"contests/{contest.pk}/ranking")
    assert refused.status_code == 403 and refused.json()["code"] == "ranking_disabled"
    # No other endpoint a member reaches shows the other's score.
    for url in ("contests", f"contests/{contest.pk}", "attempts"):
        text = json.dumps(call(client, "GET", url).json())
        assert "other" not in text
    contest.ranking_public = True
    contest.save()
    ranking = call(client, "GET", f"contests/{contest.pk}/ranking").json()["items"]
    # Same score: the faster one ranks first.
    assert [row["name"] for row in ranking] == ["other", "member"]
    assert ranking[0]["elapsed_seconds"] < ranking[1]["elapsed_seconds"]


def test_results_per_organisation_with_drill_down_and_scoping(
    member, other_member, contest, bank, client_for, tree, editor
):
    _take(client_for(member.user), contest, bank, right=4)
    factories.member(organisation=tree["branch1"], username="idle")
    editor_client = client_for(editor)
    report = call(editor_client, "GET", f"contests/{contest.pk}/results?organisation=D")
    assert report.status_code == 200, report.content
    body = report.json()
    assert body["total"]["members"] == 3 and body["total"]["participants"] == 1
    # One participant: the average would be their score (see the next test).
    assert body["total"]["average_score"] is None and body["total"]["suppressed"]
    by_code = {row["code"]: row for row in body["children"]}
    assert by_code["S1"]["participation"] == 50.0
    assert by_code["S2"]["participants"] == 0
    drill = call(editor_client, "GET", f"contests/{contest.pk}/results?organisation=S1")
    assert [row["code"] for row in drill.json()["children"]] == ["C1"]
    assert '"member"' not in report.content.decode()  # aggregates only
    secretary = factories.org_admin(organisation=tree["sub2"], username="secretary")
    scoped = client_for(secretary)
    outside = call(scoped, "GET", f"contests/{contest.pk}/results?organisation=S1")
    assert outside.status_code == 403 and outside.json()["code"] == "out_of_scope"
    inside = call(scoped, "GET", f"contests/{contest.pk}/results?organisation=S2")
    assert inside.status_code == 200
    csv = call(editor_client, "GET",
               f"contests/{contest.pk}/results?organisation=D&format=csv")  # fmt: skip
    assert csv["Content-Type"].startswith("text/csv")
    assert "参与率" in csv.content.decode("utf-8-sig")
    audited = AuditEntry.objects.get()
    assert (audited.subject, audited.scope["format"]) == (
        "assessment.contest_results",
        "csv",
    )
    assert timezone.now()


def test_results_withhold_the_scores_of_organisations_under_three(
    member, other_member, contest, bank, client_for, tree, editor, clock
):
    """Every member the contest is open to sees these figures: an organisation
    with one or two participants shows how many took part, never their score."""
    _take(client_for(member.user), contest, bank, right=4)  # 100
    for name, right in (("b1-second", 2), ("b1-third", 3)):  # 50, 75
        colleague = factories.member(organisation=tree["branch1"], username=name)
        _take(client_for(colleague.user), contest, bank, right=right)
    _take(client_for(other_member.user), contest, bank, right=1)  # 25: alone in S2
    clock(2 * 3600)  # score figures are published once the contest has closed
    client = client_for(editor)
    body = call(client, "GET", f"contests/{contest.pk}/results?organisation=D").json()
    assert body["min_group_size"] == 3  # selectors.MIN_GROUP_SIZE
    by_code = {row["code"]: row for row in body["children"]}
    # S1 (3 participants, average 75) next to the total (4, 62.5) would give S2's
    # one score by subtraction (4 × 62.5 − 3 × 75 = 25): as the only other row, S1
    # is withheld too (complementary suppression), down its drill-down.
    shown = by_code["S1"]
    assert (shown["participants"], shown["passed"], shown["average_score"]) == (
        3,
        None,
        None,
    )
    assert shown["suppressed"] is True and shown["pass_rate"] is None
    alone = by_code["S2"]
    assert (alone["members"], alone["participants"], alone["participation"]) == (
        1,
        1,
        100.0,
    )
    assert alone["suppressed"] is True
    assert alone["passed"] is None and alone["pass_rate"] is None
    assert alone["average_score"] is None
    assert body["total"]["suppressed"] is False
    assert body["total"]["participants"] == 4 and body["total"]["average_score"] == 62.5
    # Drilling down to the small organisation withholds its total as well.
    drill = call(client, "GET", f"contests/{contest.pk}/results?organisation=S2")
    assert drill.json()["total"]["suppressed"] is True
    assert drill.json()["total"]["average_score"] is None
    assert [row["suppressed"] for row in drill.json()["children"]] == [True]
    # The download says so instead of giving the figure.
    csv = call(client, "GET",
               f"contests/{contest.pk}/results?organisation=D&format=csv")  # fmt: skip
    text = csv.content.decode("utf-8-sig")
    assert "参加人数少于 3 人的组织不公布及格人数、及格率和平均分" in text
    [s2_line] = [line for line in text.splitlines() if line.startswith("S2,")]
    assert s2_line.endswith("不公布,不公布,不公布") and "25" not in s2_line
    # The organiser made the ranking public: every score is public, nothing withheld.
    contest.ranking_public = True
    contest.save()
    public = call(client, "GET", f"contests/{contest.pk}/results?organisation=D")
    assert public.json()["min_group_size"] is None
    alone = {row["code"]: row for row in public.json()["children"]}["S2"]
    assert alone["suppressed"] is False and alone["average_score"] == 25.0
    assert alone["passed"] == 0 and alone["pass_rate"] == 0.0


def test_contest_answers_stay_hidden_until_the_contest_closes(
    member, contest, bank, client_for, clock
):
    client = client_for(member.user)
    result = _take(client, contest, bank, right=1)
    assert result["status"] == "submitted"
    assert "key" not in json.dumps(result) and "explanation" not in json.dumps(result)
    clock(2 * 3600)  # the window has closed
    later = call(client, "GET", f"attempts/{result['id']}").json()
    assert all("key" in question for question in later["questions"])
