"""The OpenAPI document tells the truth: every GET operation's real answers (on the
demo content, for each kind of caller) match the document's schemas, and
schemathesis, fuzzing every operation anonymously and with a member's, a lecturer's
and an editor's token, finds no server error and no answer that breaks its schema.

The fuzzing runs in the PostgreSQL pass only (its time budget is spent once); it is
seeded and derandomized, so a run is the same every time.
"""

from __future__ import annotations

import importlib
import io
import re
import time

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import APIToken

from tests.matrix import APP_MATRICES
from tests.services import postgres_only

CALLERS = ("anonymous", "member", "lecturer", "editor")
# Examples per operation and caller: valid requests (with the demo's ids in the path)
# and invalid ones (anything the schema forbids, generated paths included).
EXAMPLES = {"positive": 3, "negative": 1}


@pytest.fixture
def demo(transactional_db):
    # Skipped before the demo loads: the SQLite pass spends nothing on it.
    postgres_only("runs in the PostgreSQL pass only (make test-postgres)")
    return demo_prepare()


def demo_prepare() -> dict:
    """The demo content (without its videos: one ready asset stands in) and a bearer
    token for each demo login; ``ids`` fills each path parameter of the document."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.test import Client

    from assessment.models import LiveContest, OnlineContest, Question, Quiz
    from cms.models import CoursePage, Lecturer, MicroLessonPage
    from feedback.models import Feedback
    from learning.models import Member
    from meetings.models import Meeting, MeetingKind, MinutesAttachment, PartyGroup
    from notices.models import Notice
    from notices.services import notice_send
    from tests import factories

    call_command("load_demo", "--no-media", stdout=io.StringIO(), stderr=io.StringIO())
    users = {u.username: u for u in get_user_model().objects.all()}
    tokens = {
        name: APIToken.create_token(user=users[name], name="contract")[1]
        for name in ("member", "lecturer", "editor")
    }
    course = CoursePage.objects.live().first()
    lesson = MicroLessonPage.objects.live().first()
    asset = factories.video_asset(title="演示视频", status="ready")
    lesson.video = asset
    lesson.save_revision().publish()
    contest = OnlineContest.objects.first()
    live = LiveContest.objects.first()
    member = Member.objects.get(user=users["member"])
    meeting = (
        Meeting.objects.filter(attendees__member=member).order_by("-starts_at").first()
        or Meeting.objects.order_by("-starts_at").first()
    )
    notice_send(
        recipient_ids=[users["member"].pk], topic="contract", title="通知", link="/me/"
    )
    notice = Notice.objects.get(topic="contract")
    attachment = MinutesAttachment(
        meeting=meeting, name="签到表.pdf", content_type="application/pdf", size=9
    )
    attachment.file.save("sheet", ContentFile(b"%PDF-1.4\n"))
    feedback = Feedback.objects.create(
        submitter=users["member"], category="suggestion", text="建议"
    )
    as_member = {"HTTP_AUTHORIZATION": f"Bearer {tokens['member']}"}
    for quiz in Quiz.objects.order_by("pk"):  # the first the member may sit
        started = Client().post(
            f"/api/v3/assessment/quizzes/{quiz.pk}/attempts", **as_member
        )
        if started.status_code in (200, 201):
            break
    assert started.status_code in (200, 201), started.content
    ids = {
        "attempt_id": started.json()["id"],
        "page_id": course.pk,
        "revision_id": course.latest_revision_id,
        "type_name": "cms.CoursePage",
        "site_id": course.get_site().pk,
        "type": "cms.Lecturer",
        "pk": Lecturer.objects.first().pk,
        "lecturer_id": Lecturer.objects.first().pk,
        "asset_id": asset.pk,
        "path": "master.m3u8",
        "lesson_id": lesson.pk,
        "quiz_id": quiz.pk,
        "contest_id": contest.pk,
        "live_contest_id": live.pk,
        "question_id": Question.objects.first().pk,
        "team_id": live.teams.first().pk,
        "upload_id": "00000000000000000000000000000000",
        # Branch life: the member's own branch, a meeting they are asked to and a
        # notice of theirs.
        "organisation": member.organisation.code,
        "year": timezone.localdate().year,
        "kind": MeetingKind.GENERAL.value,
        "meeting_id": meeting.pk,
        "member_id": member.pk,
        "notice_id": notice.pk,
        # 党小组 of the member's branch and a file attached to the meeting's minutes.
        "group_id": PartyGroup.objects.filter(organisation=member.organisation)
        .values_list("pk", flat=True)
        .first(),
        "attachment_id": attachment.pk,
        # 投诉建议: one of the member's own submissions.
        "feedback_id": feedback.pk,
    }
    ids.update(training_ids(member))
    ids.update(certificate_ids(member))
    for app in APP_MATRICES:  # each app's demo ids (tests/<app>/matrix_rows.py)
        ids.update(importlib.import_module(f"tests.{app}.matrix_rows").demo_ids(member))
    queries = {
        "organisation": member.organisation.code,
        "quiz": ids["quiz_id"],
        "page": quiz.page_id,
        "q": "党史",
    }
    return {"tokens": tokens, "ids": ids, "queries": queries, "member": member}


def training_ids(member) -> dict:
    """The demo's training ids: a plan, a class the member is enrolled in, its first
    session and a leave or 补签 request, a course the district shares and the
    sub-district's adoption of it (``training.demo``)."""
    from training.models import (
        ClassEnrolment,
        CourseAdoption,
        SessionRequest,
        TrainingPlan,
    )

    enrolment = ClassEnrolment.objects.filter(member=member).order_by("pk").first()
    training_class = enrolment.training_class
    return {
        "plan_id": TrainingPlan.objects.order_by("pk").first().pk,
        "class_id": training_class.pk,
        "session_id": training_class.sessions.order_by("starts_at").first().pk,
        "request_id": SessionRequest.objects.order_by("pk").first().pk,
        "paper": "timetable",
        "shared_course_id": CourseAdoption.objects.order_by("pk").first().course_id,
        "adoption_id": CourseAdoption.objects.order_by("pk").first().pk,
    }


def certificate_ids(member) -> dict:
    """The demo's certificate ids: the member's own certificate, its verify code and
    the batch that issued it (``certificates.demo``)."""
    from certificates.models import Certificate, CertificateBatch

    certificate = Certificate.objects.filter(member=member).order_by("pk").first()
    batch = CertificateBatch.objects.filter(
        training_class=certificate.training_class
    ).first()
    return {
        "certificate_id": certificate.pk,
        "code": certificate.code,
        "batch_id": batch.pk,
    }


def _path_parameters(demo, operation) -> dict:
    ids = dict(demo["ids"])
    if "/live/" in operation.path:
        ids["contest_id"] = ids["live_contest_id"]
    return {p.name: ids[p.name] for p in operation.path_parameters if p.name in ids}


def _headers(demo, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    return {"Authorization": f"Bearer {demo['tokens'][caller]}"}


def _schema():
    import schemathesis
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi(
        "/api/v3/openapi.json", get_wsgi_application()
    )


def _operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


def _checks():
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    return [not_a_server_error, response_schema_conformance]


def _get_operations_answer_as_documented(demo, schema) -> None:
    gets = [op for op in _operations(schema) if op.method.upper() == "GET"]
    assert len(gets) >= 30, [op.label for op in gets]
    failures, answered = [], {}
    for operation in gets:
        params = _path_parameters(demo, operation)
        query = {
            p.name: demo["queries"][p.name]
            for p in operation.query
            if p.is_required and p.name in demo["queries"]
        }
        for caller in CALLERS:
            case = operation.Case(path_parameters=params, query=query)
            response = case.call(headers=_headers(demo, caller))
            answered.setdefault(operation.label, set()).add(response.status_code)
            try:
                case.validate_response(
                    response, checks=_checks(), headers=_headers(demo, caller)
                )
            except Exception as failure:  # noqa: BLE001 - schemathesis's FailureGroup
                failures.append(f"{caller} {operation.label}: {failure}")
    assert not failures, "GET answers off the document:\n\n" + "\n\n".join(failures)
    # The demo answers most of them with content, not only refusals.
    ok = [label for label, statuses in answered.items() if 200 in statuses]
    assert len(ok) >= len(gets) * 2 // 3, answered


def test_the_api_answers_as_its_document_says(demo):
    """First every GET operation with the demo's ids for each caller, then the
    fuzzing; one test, so the demo content is loaded once."""
    schema = _schema()
    _get_operations_answer_as_documented(demo, schema)
    _fuzzing_finds_no_server_error_or_schema_breach(demo, schema)


def _fuzz(strategy, examples: int, headers: dict, on_call) -> None:
    """Send ``examples`` cases of ``strategy`` (seeded, derandomized, not shrunk)
    and check each answer; raises what the first failing case found."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case):
        response = case.call(headers=headers)
        on_call()
        case.validate_response(response, checks=_checks(), headers=headers)

    try:
        fuzz()
    except Unsatisfiable:
        pass  # no invalid request exists (an operation without parameters or body)


def _fuzzing_finds_no_server_error_or_schema_breach(demo, schema) -> None:
    from schemathesis import GenerationMode

    operations = _operations(schema)
    documented = sum(
        1
        for item in schema.raw_schema["paths"].values()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )
    assert len(operations) == documented
    exercised: dict[str, int] = {}
    failures: list[str] = []
    started = time.monotonic()
    # Deletions last, so the demo's pages and snippets are there for the rest.
    for operation in sorted(operations, key=lambda op: op.method.upper() == "DELETE"):
        params = _path_parameters(demo, operation)

        def count(label=operation.label):
            exercised[label] = exercised.get(label, 0) + 1

        for caller in CALLERS:
            for mode_name, examples in EXAMPLES.items():
                mode = GenerationMode(mode_name)
                strategy = operation.as_strategy(
                    generation_mode=mode,
                    path_parameters=params if mode is GenerationMode.POSITIVE else None,
                )
                try:
                    _fuzz(strategy, examples, _headers(demo, caller), count)
                except (Exception, BaseExceptionGroup) as failure:  # every one reported
                    text = re.sub(r"\s+", " ", str(failure))[:1500]
                    failures.append(f"{caller} {mode.value} {operation.label}: {text}")
    elapsed = time.monotonic() - started
    print(f"fuzzed {len(exercised)} operations, {sum(exercised.values())} requests, "
          f"{elapsed:.0f} s")  # fmt: skip
    assert not failures, "fuzzing found:\n\n" + "\n\n".join(failures)
    assert sorted(exercised) == sorted(op.label for op in operations)
