"""The learning API over HTTP: authentication, heartbeats, enrolment, check-in,
archive and reports."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken

from dangke.cache import MISSING
from learning import services
from learning.models import (
    Assignment,
    LessonProgress,
    Member,
    TrainingClass,
    TrainingSession,
)
from learning.selectors.scoping import member_memo
from tests import factories

PROGRESS = "/api/v3/learning/progress"


def post(client: Client, url: str, body: dict, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        url, data=json.dumps(body), content_type="application/json", **headers
    )


def heartbeat(lesson, playback, seq, ranges, position, **extra) -> dict:
    return {
        "lesson": lesson.pk,
        "playback_id": str(playback),
        "seq": seq,
        "ranges": ranges,
        "position": position,
        "rate": 1.0,
        **extra,
    }


def test_heartbeat_with_bearer_token(member, lesson, token_for, clock):
    token = token_for(member.user)
    playback = uuid.uuid4()
    first = post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    assert first.status_code == 200, first.content
    clock(10)
    answer = post(
        Client(), PROGRESS, heartbeat(lesson, playback, 1, [[0, 10]], 10), token
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "watched_ratio": round(10 / 600, 4),
        "completed": False,
        "resume_position": 10.0,
        "credited_seconds": 10.0,
    }


def test_heartbeat_with_session_and_audio_only(member, lesson, client_for, clock):
    client = client_for(member.user)
    playback = uuid.uuid4()
    post(client, PROGRESS, heartbeat(lesson, playback, 0, [], 0, mode="audio"))
    clock(300)
    post(
        client, PROGRESS, heartbeat(lesson, playback, 1, [[0, 300]], 300, mode="audio")
    )
    clock(260)
    answer = post(
        client,
        PROGRESS,
        heartbeat(lesson, playback, 2, [[300, 560]], 560, mode="audio"),
    )
    assert answer.json()["completed"] is True


def test_anonymous_and_bad_tokens_are_refused(lesson, db):
    assert (
        post(Client(), PROGRESS, heartbeat(lesson, uuid.uuid4(), 0, [], 0)).status_code
        == 401
    )
    bad = post(Client(), PROGRESS, heartbeat(lesson, uuid.uuid4(), 0, [], 0), "nope")
    assert bad.status_code == 401


def test_accounts_without_a_membership_are_refused(editor, lesson, token_for):
    response = post(
        Client(), PROGRESS, heartbeat(lesson, uuid.uuid4(), 0, [], 0), token_for(editor)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_a_member"


def test_the_member_comes_from_authentication_not_the_body(
    member, lesson, tree, token_for, clock
):
    other = factories.member(organisation=tree["branch2"], username="other")
    body = heartbeat(
        lesson, uuid.uuid4(), 0, [[0, 5]], 5, member=other.pk, user=other.user_id
    )
    post(Client(), PROGRESS, body, token_for(member.user))
    assert LessonProgress.objects.get().member == member


def test_client_sent_completion_is_ignored(member, lesson, token_for, clock):
    body = heartbeat(
        lesson, uuid.uuid4(), 0, [[0, 10]], 600, completed=True, watched_ratio=1
    )
    answer = post(Client(), PROGRESS, body, token_for(member.user)).json()
    assert answer["completed"] is False
    assert LessonProgress.objects.get().completed_at is None


def test_seeking_from_0_to_3600_within_5_seconds(member, section, token_for, clock):
    lesson = factories.lesson(section, duration=3600)
    token = token_for(member.user)
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    clock(5)
    answer = post(
        Client(), PROGRESS, heartbeat(lesson, playback, 1, [[0, 3600]], 3600), token
    ).json()
    assert answer["completed"] is False
    assert answer["watched_ratio"] < 0.01


@pytest.mark.parametrize(
    ("ranges", "position"),
    [([[-1, 5]], 5), ([[0, 5]], -3), ([[0, 5000]], 5), ([[0, 5]], 5000)],
)
def test_bad_positions_are_400_and_change_nothing(
    member, lesson, token_for, clock, ranges, position
):
    token = token_for(member.user)
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [[0, 5]], 5), token)
    before = LessonProgress.objects.values("intervals", "position").get()
    response = post(
        Client(), PROGRESS, heartbeat(lesson, playback, 1, ranges, position), token
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_heartbeat"
    assert LessonProgress.objects.values("intervals", "position").get() == before


def test_nan_is_400(member, lesson, token_for):
    raw = (
        f'{{"lesson": {lesson.pk}, "playback_id": "{uuid.uuid4()}", "seq": 0, '
        '"ranges": [[0, NaN]], "position": 1, "rate": 1}'
    )
    response = Client().post(
        PROGRESS,
        data=raw,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(member.user)}",
    )
    assert response.status_code == 400
    assert "NaN" in response.json()["detail"]
    assert not LessonProgress.objects.exists()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"ranges": [[False, True]]}, ["ranges.0.0", "ranges.0.1"]),
        ({"ranges": [[0, True]]}, ["ranges.0.1"]),
        ({"position": True}, ["position"]),
        ({"rate": False}, ["rate"]),
        ({"seq": True}, ["seq"]),
        ({"mode": "hologram"}, ["mode"]),
        ({"mode": ""}, ["mode"]),
    ],
)
def test_booleans_and_unknown_modes_are_refused(
    member, lesson, token_for, change, fields
):
    token = token_for(member.user)
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [[0, 5]], 5), token)
    before = LessonProgress.objects.values("intervals", "position").get()
    body = {**heartbeat(lesson, playback, 1, [[5, 6]], 6), **change}
    response = post(Client(), PROGRESS, body, token)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    named = [".".join(map(str, error["loc"][2:])) for error in problem["errors"]]
    assert named == fields
    for where in fields:
        assert f"body.payload.{where}: " in problem["detail"]
    assert LessonProgress.objects.values("intervals", "position").get() == before


def test_audio_mode_is_accepted(member, lesson, token_for, clock):
    token = token_for(member.user)
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    clock(10)
    body = heartbeat(lesson, playback, 1, [[0, 10]], 10, mode="audio")
    response = post(Client(), PROGRESS, body, token)
    assert response.status_code == 200, response.content
    assert response.json()["credited_seconds"] == 10


def test_replayed_seq_over_http(member, lesson, token_for, clock):
    token = token_for(member.user)
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    clock(10)
    first = post(
        Client(), PROGRESS, heartbeat(lesson, playback, 1, [[0, 10]], 10), token
    )
    clock(1)
    again = post(
        Client(), PROGRESS, heartbeat(lesson, playback, 1, [[0, 10]], 10), token
    )
    assert again.json() == first.json()
    assert LessonProgress.objects.get().watched_seconds == pytest.approx(10)


def test_unknown_unpublished_and_out_of_reach_lessons(member, section, token_for):
    token = token_for(member.user)
    draft = factories.lesson(section, duration=60, live=False)
    restricted = factories.lesson(section, duration=60)
    factories.course(section, lessons=[restricted], intended_member_types=["retired"])
    unknown = post(
        Client(),
        PROGRESS,
        {**heartbeat(draft, uuid.uuid4(), 0, [], 0), "lesson": 999999},
        token,
    )
    assert unknown.status_code == 404
    assert (
        post(
            Client(), PROGRESS, heartbeat(draft, uuid.uuid4(), 0, [], 0), token
        ).status_code
        == 404
    )
    response = post(
        Client(), PROGRESS, heartbeat(restricted, uuid.uuid4(), 0, [], 0), token
    )
    assert response.status_code == 403
    assert response.json()["code"] == "lesson_out_of_reach"


def test_floods_are_429(member, lesson, token_for, settings, clock):
    settings.LEARNING_HEARTBEATS_PER_MINUTE = 5
    token = token_for(member.user)
    playback = uuid.uuid4()
    codes = [
        post(
            Client(), PROGRESS, heartbeat(lesson, playback, seq, [], 0), token
        ).status_code
        for seq in range(7)
    ]
    assert codes[:5] == [200] * 5
    assert codes[5:] == [429, 429]


def test_the_heartbeat_limit_is_the_members_across_lessons_and_replays_are_free(
    member, lesson, section, token_for, settings, clock
):
    settings.LEARNING_HEARTBEATS_PER_MINUTE = 4
    other = factories.lesson(section, title="第二课", duration=600)
    token = token_for(member.user)
    first, second = uuid.uuid4(), uuid.uuid4()
    beats = [(lesson, first, 0), (other, second, 0), (lesson, first, 1)]
    assert [
        post(Client(), PROGRESS, heartbeat(page, p, seq, [], 0), token).status_code
        for page, p, seq in beats
    ] == [200, 200, 200]
    replay = post(Client(), PROGRESS, heartbeat(lesson, first, 1, [], 0), token)
    assert replay.status_code == 200  # a replay is answered and not counted
    fourth = post(Client(), PROGRESS, heartbeat(other, second, 1, [], 0), token)
    assert fourth.status_code == 200
    refused = post(Client(), PROGRESS, heartbeat(lesson, first, 2, [], 0), token)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    clock(60)  # a new minute
    again = post(Client(), PROGRESS, heartbeat(lesson, first, 2, [], 0), token)
    assert again.status_code == 200


def test_a_token_revoked_elsewhere_stops_the_next_beat(member, lesson, token_for):
    """Another server process revokes the token (here: an update that tells no one):
    the beat's own read checks the token this process remembers."""
    token = token_for(member.user)
    playback = uuid.uuid4()
    ok = post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    assert ok.status_code == 200
    APIToken.objects.filter(user=member.user).update(revoked_at=timezone.now())
    cache.clear()  # the shared cache forgets too (another process's tombstone)
    refused = post(Client(), PROGRESS, heartbeat(lesson, playback, 1, [], 0), token)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"
    assert (
        LessonProgress.objects.get(member=member).playbacks[str(playback)]["max_seq"]
        == 0
    )


def test_a_member_moved_elsewhere_is_checked_afresh(member, lesson, token_for, clock):
    """The member's organisation changes behind this process's back: the beat's read
    notices, the token is looked up again, and the beat counts for the member as
    they are now."""
    token = token_for(member.user)
    playback = uuid.uuid4()
    assert (
        post(
            Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token
        ).status_code
        == 200
    )
    moved_to = factories.organisation(name="第二党支部")
    Member.objects.filter(pk=member.pk).update(organisation=moved_to)
    cache.clear()
    clock(10)
    response = post(
        Client(), PROGRESS, heartbeat(lesson, playback, 1, [[0, 10]], 10), token
    )
    assert response.status_code == 200, response.content
    assert response.json()["credited_seconds"] == 10


def test_a_playing_members_token_is_stamped_as_used_without_a_lookup(
    member, lesson, token_for, monkeypatch
):
    """A token is stamped as used (``last_used_at``) at most once a Wagtail
    interval, as Wagtail's own bearer authentication does: by the lookup that first
    reads it, then by the beats' own writes while this process remembers it."""
    token = token_for(member.user)
    playback = uuid.uuid4()
    stored = APIToken.objects.filter(user=member.user)

    def beat(seq: int) -> None:
        response = post(
            Client(), PROGRESS, heartbeat(lesson, playback, seq, [], 0), token
        )
        assert response.status_code == 200, response.content

    beat(0)  # looked up in the database, which stamps it
    first_use = stored.get().last_used_at
    assert first_use is not None
    long_ago = timezone.now() - timedelta(hours=2)
    stored.update(last_used_at=long_ago)
    beat(1)  # remembered: stamped only once the interval has passed here
    assert stored.get().last_used_at == long_ago
    later = time.monotonic() + 61
    monkeypatch.setattr("dangke.tokens.time.monotonic", lambda: later)
    beat(2)
    assert stored.get().last_used_at > long_ago + timedelta(hours=1)
    beat(3)  # not again within the interval
    stamped = stored.get().last_used_at
    stored.update(last_used_at=long_ago)
    beat(4)
    assert stored.get().last_used_at == long_ago
    assert stamped > long_ago


def test_a_remembered_token_leaves_the_member_memo_alone(member, lesson, token_for):
    """A beat answered from this process's copy of the token checks only what the
    beat relies on, so it does not hand the copy's other member fields (a name
    changed elsewhere, say) to the memo other requests trust."""
    token = token_for(member.user)
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    member_memo.forget()
    response = post(Client(), PROGRESS, heartbeat(lesson, playback, 1, [], 0), token)
    assert response.status_code == 200
    assert member_memo.get(member.user_id) is MISSING


def test_enrolment_in_electives_only(member, section, token_for):
    token = token_for(member.user)
    elective = factories.course(section, category="elective")
    compulsory = factories.course(section, category="compulsory")
    url = "/api/v3/learning/enrolments"
    created = post(Client(), url, {"course": elective.pk}, token)
    assert created.status_code == 201
    assert created.json()["course"] == elective.pk
    refused = post(Client(), url, {"course": compulsory.pk}, token)
    assert refused.status_code == 409
    assert refused.json()["code"] == "not_elective"
    assert post(Client(), url, {"course": 999999}, token).status_code == 404


@pytest.fixture
def training_session(tree, lesson, section):
    klass = TrainingClass.objects.create(
        title="党务培训班", organisation=tree["district"]
    )
    start = timezone.now() - timedelta(minutes=10)
    session = TrainingSession.objects.create(
        training_class=klass,
        title="第一讲",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    session.lessons.add(lesson)
    session.save()
    return session


def test_check_in_earns_credit_and_completes_covered_lessons(
    member, course, lesson, training_session, token_for
):
    token = token_for(member.user)
    code = services.checkin_code(session=training_session)
    response = post(
        Client(),
        "/api/v3/learning/checkins",
        {"session": training_session.pk, "code": code},
        token,
    )
    assert response.status_code == 201, response.content
    progress = LessonProgress.objects.get(member=member, lesson=lesson)
    assert progress.completed_via == "attendance"
    archive = (
        Client()
        .get("/api/v3/learning/archive", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()
    )
    assert len(archive["attendance"]) == 1
    # The session's 1 学时 plus the course it completed (0.25).
    assert float(archive["credit_hours"]) == pytest.approx(1.25)


def test_wrong_expired_and_out_of_window_codes(
    member, training_session, token_for, clock
):
    token = token_for(member.user)
    url = "/api/v3/learning/checkins"
    wrong_code = (
        "000000"
        if services.checkin_code(session=training_session) != "000000"
        else "111111"
    )
    wrong = post(
        Client(), url, {"session": training_session.pk, "code": wrong_code}, token
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_code"
    old = services.checkin_code(session=training_session, at=clock.now())
    clock(95)
    expired = post(Client(), url, {"session": training_session.pk, "code": old}, token)
    assert expired.json()["code"] == "expired"
    assert "过期" in expired.json()["detail"]
    clock(3 * 3600)
    late = post(
        Client(), url,
        {"session": training_session.pk, "code": services.checkin_code(session=training_session, at=clock.now())},
        token,
    )  # fmt: skip
    assert late.status_code == 400
    assert late.json()["code"] == "closed"
    assert not training_session.attendance.exists()


def test_archive_lists_required_and_elective_courses(
    member, course, section, tree, token_for, clock
):
    elective = factories.course(section, category="elective")
    Assignment.objects.create(
        content=course, organisation=tree["sub1"], deadline=timezone.localdate()
    )
    token = token_for(member.user)
    post(Client(), "/api/v3/learning/enrolments", {"course": elective.pk}, token)
    archive = (
        Client()
        .get("/api/v3/learning/archive", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()
    )
    assert [c["id"] for c in archive["required"]] == [course.pk]
    assert archive["required"][0]["status"] == "not_started"
    assert archive["required"][0]["deadline"] == timezone.localdate().isoformat()
    assert [c["id"] for c in archive["electives"]] == [elective.pk]
    assert float(archive["target_hours"]) == 32


def test_reports_are_scoped_to_the_admin_subtree(tree, course, token_for):
    from openpyxl import load_workbook

    factories.member(organisation=tree["branch1"], username="a1")
    factories.member(organisation=tree["branch2"], username="a2")
    secretary = factories.org_admin(organisation=tree["sub1"], username="sec")
    token = token_for(secretary)
    url = "/api/v3/learning/reports"
    ok = Client().get(
        url,
        {"organisation": "S1", "course": course.pk},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["total"]["members"] == 1
    refused = Client().get(
        url, {"organisation": "D"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "out_of_scope"
    csv = Client().get(
        url,
        {"organisation": "S1", "format": "csv"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert csv["Content-Type"].startswith("text/csv")
    assert "应学人数" in csv.content.decode("utf-8-sig")
    xlsx = Client().get(
        url,
        {"organisation": "S1", "format": "xlsx"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet.cell(row=2, column=3).value == "应学人数"
    assert (
        Client()
        .get(url, {"organisation": "nope"}, HTTP_AUTHORIZATION=f"Bearer {token}")
        .status_code
        == 404
    )


def test_a_revoked_token_stops_working(member, lesson, token_for):
    from wagtail.models import APIToken

    token = token_for(member.user)
    body = heartbeat(lesson, uuid.uuid4(), 0, [], 0)
    assert post(Client(), PROGRESS, body, token).status_code == 200
    APIToken.objects.get(user=member.user).revoke()
    assert post(Client(), PROGRESS, body, token).status_code == 401


def test_openapi_documents_the_learning_operations(db):
    document = Client().get("/api/v3/openapi.json").json()
    operation_ids = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert {
        "learning_progress_record",
        "learning_enrolment_create",
        "learning_checkin_create",
        "learning_archive",
        "learning_report",
    } <= operation_ids
    assert "/api/v3/learning/progress" in document["paths"]


def test_progress_detail_tells_where_to_resume(member, lesson, token_for, clock):
    token = token_for(member.user)
    url = f"/api/v3/learning/progress/{lesson.pk}"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert Client().get(url, **auth).json() == {
        "watched_ratio": 0.0, "completed": False, "resume_position": 0.0,
        "credited_seconds": 0.0,
    }  # fmt: skip
    playback = uuid.uuid4()
    post(Client(), PROGRESS, heartbeat(lesson, playback, 0, [], 0), token)
    clock(30)
    post(Client(), PROGRESS, heartbeat(lesson, playback, 1, [[0, 30]], 30), token)
    answer = Client().get(url, **auth).json()
    assert answer["resume_position"] == 30
    assert answer["watched_ratio"] == 0.05
    assert Client().get("/api/v3/learning/progress/999999", **auth).status_code == 404


@pytest.mark.parametrize("code", ["一二三四五六", "１２３４５６", "١٢٣٤٥٦", ""])
def test_non_ascii_or_empty_codes_are_wrong_codes_not_errors(
    member, training_session, token_for, code
):
    response = post(
        Client(),
        "/api/v3/learning/checkins",
        {"session": training_session.pk, "code": code},
        token_for(member.user),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_code"


def test_a_superusers_token_keeps_its_rights_on_repeated_requests(
    tree, token_for, django_user_model
):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw")
    token = token_for(admin)
    url = f"/api/v3/learning/reports?organisation={tree['district'].code}"
    first = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    second = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert first.status_code == second.status_code == 200, second.content
