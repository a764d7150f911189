"""宣讲比赛 over HTTP: the API's problem documents for bad input, scores hidden
until released, a judge's phone page, the vote page, the hall screen, and an
entry whose video fails in the real media pipeline shown as a worded failure
(the entry kept, the video replaceable)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from competitions import services
from competitions.models import Entry, Score, Vote
from tests import factories
from tests.competitions.conftest import marks_for

pytestmark = pytest.mark.django_db

API = "/api/v3/competitions"


def send(client, method, url, body=None):
    return client.generic(
        method,
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
    )


@pytest.fixture
def entry(member, competition, ready_video):
    return services.entry_submit(
        user=member.user,
        competition_id=competition.pk,
        title="初心如磐",
        video_id=ready_video(member.user).pk,
        script_text="讲稿",
    )


def test_entering_through_the_api_names_each_problem(
    member, competition, ready_video, client_for
):
    client = client_for(member.user)
    url = f"{API}/{competition.pk}/entries"
    refused = send(client, "POST", url, {"title": "题目", "script_text": "稿"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "video_required" and refused.json()["detail"]
    video = ready_video(member.user)
    body = {"title": "题目", "video_id": video.pk, "script_text": "稿"}
    created = send(client, "POST", url, body)
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    assert created.json()["video_status"] == "ready"
    again = send(client, "POST", url, body)
    assert (again.status_code, again.json()["code"]) == (409, "already_entered")
    pdf = SimpleUploadedFile("稿.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    scripted = client.post(f"{API}/entries/{entry_id}/script", {"file": pdf})
    assert scripted.status_code == 200 and scripted.json()["has_script_pdf"]
    not_pdf = SimpleUploadedFile("稿.pdf", b"hello", "application/pdf")
    refused = client.post(f"{API}/entries/{entry_id}/script", {"file": not_pdf})
    assert (refused.status_code, refused.json()["code"]) == (400, "script_not_pdf")
    assert Entry.objects.get(pk=entry_id).script_file  # the first PDF stays


def test_judging_over_http_refuses_what_it_must(
    entry, preliminary, judges, client_for, organiser
):
    judge = client_for(judges[1])
    listed = send(judge, "GET", f"{API}/rounds/{preliminary.pk}/judging").json()
    assert [e["id"] for e in listed["entries"]] == [entry.pk]
    own = client_for(judges[0])  # the entrant's organisation
    assert (
        send(own, "GET", f"{API}/rounds/{preliminary.pk}/judging").json()["entries"]
        == []
    )
    url = f"{API}/rounds/{preliminary.pk}/entries/{entry.pk}/score"
    refused = send(own, "PUT", url, {"marks": marks_for(preliminary, (5, 5, 5, 5))})
    assert (refused.status_code, refused.json()["code"]) == (404, "entry_not_assigned")
    good = send(judge, "PUT", url, {"marks": marks_for(preliminary, (8, 7, 6, 10))})
    assert good.status_code == 200 and good.json()["total"] == 75.0
    high = send(judge, "PUT", url, {"marks": marks_for(preliminary, (11, 7, 6, 10))})
    assert high.status_code == 400 and high.json()["code"] == "score_out_of_range"
    assert "内容" in high.json()["detail"]
    # scores are hidden from the entrant until released
    mine = client_for(entry.entrant)
    shown = send(mine, "GET", f"{API}/entries/{entry.pk}").json()
    assert shown["rounds"] == [
        {
            "round_id": preliminary.pk,
            "round_title": "线上初赛",
            "rank": None,
            "judge_score": None,
            "votes": None,
            "total": None,
        }
    ]
    hidden = send(mine, "GET", f"{API}/rounds/{preliminary.pk}/results")
    assert (hidden.status_code, hidden.json()["code"]) == (403, "results_not_released")
    boss = client_for(organiser)
    assert send(boss, "POST", f"{API}/rounds/{preliminary.pk}/close").status_code == 200
    late = send(judge, "PUT", url, {"marks": marks_for(preliminary, (1, 1, 1, 1))})
    assert (late.status_code, late.json()["code"]) == (409, "round_closed")
    assert Score.objects.get(judge=judges[1]).marks == marks_for(
        preliminary, (8, 7, 6, 10)
    )
    assert (
        send(boss, "POST", f"{API}/rounds/{preliminary.pk}/release").status_code == 200
    )
    shown = send(mine, "GET", f"{API}/entries/{entry.pk}").json()
    assert shown["rounds"][0]["total"] == 75.0 and shown["rounds"][0]["rank"] == 1


def test_the_phone_pages_and_the_hall_screen(
    entry, preliminary, final, judges, client_for, organiser, tree
):
    judge = client_for(judges[1])
    page = judge.get(f"/me/competitions/rounds/{preliminary.pk}/judge/")
    assert page.status_code == 200 and "初心如磐" in page.content.decode()
    fields = {
        f"mark-{key}": value
        for key, value in marks_for(preliminary, (9, 9, 9, 12)).items()
    }
    refused = judge.post(
        f"/me/competitions/rounds/{preliminary.pk}/judge/",
        {"entry": entry.pk, "action": "score", **fields},
    )
    assert refused.status_code == 400 and "超出范围" in refused.content.decode()
    assert not Score.objects.exists()
    fields[f"mark-{preliminary.criteria.order_by('sort_order').last().pk}"] = 10
    saved = judge.post(
        f"/me/competitions/rounds/{preliminary.pk}/judge/",
        {"entry": entry.pk, "action": "score", **fields},
    )
    assert saved.status_code == 200 and Score.objects.count() == 1
    stranger = factories.member(organisation=tree["branch2"]).user
    assert (
        client_for(stranger)
        .get(f"/me/competitions/rounds/{preliminary.pk}/judge/")
        .status_code
        == 403
    )
    services.round_close(user=organiser, round=preliminary)  # entry goes on
    screen = client_for(organiser)
    url = f"/me/competitions/rounds/{final.pk}/screen/"
    assert client_for(stranger).get(url).status_code == 403
    assert screen.post(url, {"action": "stage", "entry": entry.pk}).status_code == 302
    shown = screen.get(url).content.decode()
    assert "正在宣讲" in shown and "初心如磐" in shown and "观众投票二维码" in shown
    voter = client_for(stranger)
    vote_url = f"/me/competitions/rounds/{final.pk}/vote/"
    assert voter.post(vote_url, {"entry": entry.pk}).status_code == 200
    twice = voter.post(vote_url, {"entry": entry.pk})
    assert twice.status_code == 409 and "已经投过票" in twice.content.decode()
    assert Vote.objects.count() == 1
    stage = send(voter, "GET", f"{API}/rounds/{final.pk}/stage").json()
    assert stage["current"]["entry_id"] == entry.pk and stage["my_vote"] == entry.pk
    assert stage["results"] is None
    screen.post(url, {"action": "close"})
    screen.post(url, {"action": "release"})
    stage = send(voter, "GET", f"{API}/rounds/{final.pk}/stage").json()
    assert stage["released"] and stage["results"][0]["votes"] == 1
    assert "比赛结果" in screen.get(url).content.decode()
    certificate = client_for(entry.entrant).get(
        f"{API}/awards/{entry.award.pk}/certificate"
    )
    assert certificate.status_code == 200
    assert certificate.content.startswith(b"%PDF-")
    verify = client_for(stranger).get(
        f"/competitions/awards/{entry.award.pk}/?code={entry.award.code}"
    )
    assert verify.status_code == 200 and "本证书有效" in verify.content.decode()


def test_a_video_failing_in_the_pipeline_is_shown_in_words(
    member,
    competition,
    client_for,
    ffmpeg_binaries,
    small_ladder,
    django_capture_on_commit_callbacks,
    tmp_path,
):
    client = client_for(member.user)
    garbage = SimpleUploadedFile("讲.mp4", b"not a video at all" * 50, "video/mp4")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/me/competitions/{competition.pk}/",
            {"title": "坏视频", "script_text": "讲稿", "video": garbage},
        )
    assert response.status_code == 302, response.content.decode()
    entry = Entry.objects.get(entrant=member.user)
    entry.video.refresh_from_db()
    assert entry.video.status == "failed"
    page = client.get(response["Location"]).content.decode()
    assert "视频处理失败" in page and entry.video.error in page
    detail = send(client, "GET", f"{API}/entries/{entry.pk}").json()
    assert detail["video_status"] == "failed"
    assert detail["video_problem"].startswith("视频处理失败")
    # the entrant replaces it; the entry and its script stay
    clip = factories.make_clip(tmp_path / "ok.mp4", seconds=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        replaced = client.post(
            response["Location"],
            {
                "action": "video",
                "video": SimpleUploadedFile("ok.mp4", clip.read_bytes(), "video/mp4"),
            },
        )
    assert replaced.status_code == 200
    entry.refresh_from_db()
    assert entry.script_text == "讲稿" and entry.video.status == "ready"
