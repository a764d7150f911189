"""知识竞赛·擂台赛: phones join teams, the host advances, the server decides every
answer by its own clock; state polled with ETags."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from assessment import services
from assessment.models import (
    LiveAnswer,
    LiveContest,
    LiveContestItem,
    LiveTeam,
)
from tests import factories
from tests.assessment.conftest import call, right_answer, wrong_answer


@pytest.fixture
def live(tree, bank):
    contest = LiveContest.objects.create(
        title="擂台赛", organisation=tree["district"], hall="区委礼堂"
    )
    teams = [
        LiveTeam.objects.create(contest=contest, name=name, sort_order=i)
        for i, name in enumerate(["第一支部", "第二支部", "第三支部"])
    ]
    kinds = [("required", "true_false"), ("buzzer", "single"), ("risk", "fill_blank")]
    items = [
        LiveContestItem.objects.create(
            contest=contest, question=bank[q], kind=kind, points=10, sort_order=i
        )
        for i, (kind, q) in enumerate(kinds)
    ]
    return {"contest": contest, "teams": teams, "items": items}


def join(team, label="手机") -> tuple[Client, str]:
    code = f" {team.join_code.lower()[:4]}-{team.join_code.lower()[4:]} "
    response = call(Client(), "POST", "live/join", {"code": code, "label": label})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["team"]["id"] == team.pk
    return Client(), body["device_token"]


def as_phone(token: str) -> dict:
    return {"HTTP_X_DEVICE_TOKEN": token}


def phone(client, token, method, url, body=None, **headers):
    return call(client, method, url, body, **as_phone(token), **headers)


def advance(host_client, contest, version=None):
    response = call(
        host_client, "POST", f"live/{contest.pk}/advance", {"version": version}
    )
    assert response.status_code == 200, response.content
    return response.json()


def answer(client, token, contest, team, item, body):
    return phone(client, token, "POST", f"live/{contest.pk}/answers",
                 {"team": team.pk, "item": item.pk, **body})  # fmt: skip


def test_a_wrong_join_code_is_refused(live):
    response = call(Client(), "POST", "live/join", {"code": "NOPE1234"})
    assert response.status_code == 404
    assert response.json()["code"] == "join_code_invalid"


def test_state_polling_answers_304_until_something_changes(live, editor, client_for):
    contest = live["contest"]
    client, token = join(live["teams"][0])
    url = f"live/{contest.pk}/state"
    first = phone(client, token, "GET", url)
    assert first.status_code == 200, first.content
    etag = first["ETag"]
    assert first.json()["you"]["team_name"] == "第一支部"
    assert "join_code" not in first.content.decode()
    same = phone(client, token, "GET", url, HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304 and same.content == b""
    host = client_for(editor)
    advance(host, contest)
    changed = phone(client, token, "GET", url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["phase"] == "ready"
    host_view = call(host, "GET", url).json()
    assert host_view["teams"][0]["join_code"] == live["teams"][0].join_code
    assert host_view["item"]["key"] is None


def test_required_question_each_team_once_and_points_at_reveal(
    live, bank, editor, client_for
):
    contest, teams = live["contest"], live["teams"]
    item = live["items"][0]
    phones = [join(team) for team in teams]
    host = client_for(editor)
    advance(host, contest)  # ready
    early = answer(
        *phones[0], contest, teams[0], item, right_answer(bank["true_false"])
    )
    assert early.status_code == 409 and early.json()["code"] == "question_not_open"
    advance(host, contest)  # open
    question = bank["true_false"]
    ok = answer(*phones[0], contest, teams[0], item,
                {**right_answer(question), "correct": True})  # fmt: skip
    assert ok.status_code == 201, ok.content
    assert "won" not in ok.json() and "correct" not in ok.json()
    twice = answer(*phones[0], contest, teams[0], item, right_answer(question))
    assert twice.status_code == 409 and twice.json()["code"] == "already_answered"
    assert answer(*phones[1], contest, teams[1], item,
                  wrong_answer(question)).status_code == 201  # fmt: skip
    state = advance(host, contest)  # revealed
    assert state["item"]["key"] == {"value": True}
    results = {row["team_id"]: row["points"] for row in state["item"]["results"]}
    assert results == {teams[0].pk: 10, teams[1].pk: 0, teams[2].pk: 0}
    assert [t["score"] for t in state["teams"]] == [10, 0, 0]


def test_a_phone_answering_for_another_team_is_refused(live, bank, editor, client_for):
    contest, teams = live["contest"], live["teams"]
    host = client_for(editor)
    advance(host, contest)
    advance(host, contest)
    client, token = join(teams[0])
    response = answer(client, token, contest, teams[1], live["items"][0],
                      right_answer(bank["true_false"]))  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "not_your_team"
    assert not LiveAnswer.objects.exists()


def test_buzzer_first_right_answer_wins(live, bank, editor, client_for, clock):
    contest, teams = live["contest"], live["teams"]
    item = live["items"][1]
    question = bank["single"]
    phones = [join(team) for team in teams]
    host = client_for(editor)
    for _ in range(4):  # required: ready, open, revealed; then the buzzer: ready
        version = call(host, "GET", f"live/{contest.pk}/state").json()["version"]
        advance(host, contest, version)
    too_soon = answer(*phones[0], contest, teams[0], item, right_answer(question))
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "question_not_open"
    advance(host, contest)  # open
    clock(1)
    wrong = answer(*phones[0], contest, teams[0], item, wrong_answer(question))
    assert wrong.json()["won"] is False
    clock(1)
    first = answer(*phones[1], contest, teams[1], item, right_answer(question))
    assert first.json()["won"] is True
    clock(1)
    second = answer(*phones[2], contest, teams[2], item, right_answer(question))
    assert second.status_code == 201 and second.json()["won"] is False
    assert LiveAnswer.objects.filter(item=item, won=True).count() == 1
    state = advance(host, contest)
    assert state["item"]["buzzer_winner_team_id"] == teams[1].pk
    assert [t["score"] for t in state["teams"]] == [0, 10, 0]


def test_answers_after_the_time_are_refused(live, bank, editor, client_for, clock):
    contest, teams = live["contest"], live["teams"]
    host = client_for(editor)
    advance(host, contest)
    advance(host, contest)
    clock(live["items"][0].answer_seconds)
    late = answer(*join(teams[0]), contest, teams[0], live["items"][0],
                  right_answer(bank["true_false"]))  # fmt: skip
    assert late.status_code == 409 and late.json()["code"] == "answer_window_closed"


def test_risk_question_stakes_win_or_lose(live, bank, editor, client_for):
    contest, teams = live["contest"], live["teams"]
    item = live["items"][2]
    phones = [join(team) for team in teams]
    host = client_for(editor)
    for _ in range(7):  # to the risk question's staking phase
        state = advance(host, contest)
    assert state["phase"] == "staking" and state["item"]["question"] is None

    def stake(index, value):
        return phone(*phones[index], "POST", f"live/{contest.pk}/stakes",
                     {"team": teams[index].pk, "item": item.pk, "stake": value})  # fmt: skip

    assert stake(0, 25).json()["code"] == "invalid_stake"
    assert stake(0, 40).status_code == 200
    assert stake(0, 40).status_code == 200  # the same again changes nothing
    assert stake(0, 20).json()["code"] == "stake_refused"
    assert stake(1, 30).status_code == 200
    assert stake(2, 20).status_code == 200
    advance(host, contest)  # open
    assert stake(2, 20).status_code == 200  # unchanged, still fine
    assert (
        answer(*phones[0], contest, teams[0], item, {"text": "广州"}).status_code == 201
    )
    assert (
        answer(*phones[1], contest, teams[1], item, {"text": "上海"}).status_code == 201
    )
    state = advance(host, contest)  # reveal: team 3 staked and did not answer
    assert [t["score"] for t in state["teams"]] == [40, -30, -20]
    state = advance(host, contest)
    assert state["phase"] == "finished"
    finished = call(host, "POST", f"live/{contest.pk}/advance", {})
    assert finished.status_code == 409 and finished.json()["code"] == "contest_finished"


def test_a_risk_answer_needs_a_stake(live, bank, editor, client_for):
    contest, teams = live["contest"], live["teams"]
    host = client_for(editor)
    for _ in range(8):  # the risk question, open
        advance(host, contest)
    response = answer(*join(teams[0]), contest, teams[0], live["items"][2],
                      {"text": "广州"})  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "stake_missing"


def test_only_the_host_advances_and_a_stale_click_is_refused(
    live, member, client_for, editor
):
    contest = live["contest"]
    refused = call(client_for(member.user), "POST", f"live/{contest.pk}/advance", {})
    assert refused.status_code == 403 and refused.json()["code"] == "not_host"
    state = call(client_for(member.user), "GET", f"live/{contest.pk}/state")
    assert state.status_code == 403
    host = client_for(editor)
    version = call(host, "GET", f"live/{contest.pk}/state").json()["version"]
    advance(host, contest, version)
    stale = call(host, "POST", f"live/{contest.pk}/advance", {"version": version})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_state"
    assert LiveContest.objects.get().phase == "ready"


def test_a_phone_joining_does_not_make_the_hosts_next_click_stale(
    live, editor, client_for
):
    contest = live["contest"]
    host = client_for(editor)
    url = f"live/{contest.pk}/state"
    shown = call(host, "GET", url)
    version = shown.json()["version"]
    join(live["teams"][0])  # while the host screen shows ``version``
    # Nothing the screens show has changed: the host's poll stays 304.
    assert call(host, "GET", url, HTTP_IF_NONE_MATCH=shown["ETag"]).status_code == 304
    state = advance(host, contest, version)
    assert state["phase"] == "ready"
    join(live["teams"][1])  # between two steps, too
    state = advance(host, contest, state["version"])
    assert state["phase"] == "open"
    # Another host step in between (a second screen got there first) is still a
    # stale click, and refused instead of skipping a step.
    read = state["version"]
    assert advance(host, contest, read)["phase"] == "revealed"
    stale = call(host, "POST", f"live/{contest.pk}/advance", {"version": read})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_state"
    assert LiveContest.objects.get().phase == "revealed"


def test_a_secretary_hosts_only_contests_of_their_subtree(live, tree, client_for):
    outside = factories.org_admin(organisation=tree["sub1"], username="secretary")
    response = call(
        client_for(outside), "POST", f"live/{live['contest'].pk}/advance", {}
    )
    assert response.status_code == 403
    live["contest"].organisation = tree["sub1"]
    live["contest"].save()
    assert call(client_for(outside), "POST",
                f"live/{live['contest'].pk}/advance", {}).status_code == 200  # fmt: skip


def test_a_device_of_another_contest_is_no_participant(live, tree, bank):
    other = LiveContest.objects.create(title="另一场", organisation=tree["district"])
    team = LiveTeam.objects.create(contest=other, name="外队")
    client, token = join(team)
    response = phone(client, token, "GET", f"live/{live['contest'].pk}/state")
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_participant"
    unknown = phone(Client(), "made-up", "GET", f"live/{live['contest'].pk}/state")
    assert unknown.status_code == 401


def test_team_qr_for_the_host(live, editor, client_for, member):
    team = live["teams"][0]
    url = f"live/{live['contest'].pk}/teams/{team.pk}/qr.png"
    response = call(client_for(editor), "GET", url)
    assert response.status_code == 200
    assert response.content.startswith(b"\x89PNG")
    assert call(client_for(member.user), "GET", url).status_code == 403


def test_the_database_keeps_one_buzzer_winner(live, bank, editor, clock):
    """The SQLite-safe half of the buzzer guarantee: the constraint refuses a second
    winner whatever the code above it did (PostgreSQL threads: test_concurrency)."""
    contest, teams = live["contest"], live["teams"]
    item = live["items"][1]
    contest.current_item = item
    contest.phase = "open"
    contest.status = "running"
    contest.opened_at = clock()
    contest.closes_at = clock() + timedelta(seconds=30)
    contest.save()
    devices = [services.live_device_join(code=t.join_code)[0] for t in teams]
    results = [
        services.live_answer_submit(
            device=device, team_id=device.team_id, item_id=item.pk,
            **right_answer(bank["single"]),
        )
        for device in devices
    ]  # fmt: skip
    assert [r.won for r in results] == [True, False, False]
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveAnswer.objects.filter(pk=results[1].pk).update(won=True)
