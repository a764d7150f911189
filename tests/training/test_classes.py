"""Classes run to 结业: enrolment by organisation and by application, leave and
补签, the papers generated from the records, 结班 granting completions and 学时
once, and what keeps a class from closing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from learning.models import (
    Attendance,
    ClassCompletion,
    CreditRecord,
    MemberYearCredit,
    TrainingClass,
)
from learning.services import attendance_record
from tests.training.conftest import make_class
from training import selectors, services
from training.errors import (
    ClassClosed,
    ClassNotReady,
    EnrolmentConflict,
    NotOrganiser,
    OutOfClassScope,
    RequestConflict,
)
from training.models import ClassEnrolment, ClassPaper, SessionRequest, TrainingRule


@pytest.fixture
def klass(tree):
    return make_class(
        tree["sub1"],
        credit_at_completion=True,
        credit_hours=Decimal("8"),
        min_attendance_percent=50,
    )


def attend(member, klass, count):
    for session in list(klass.sessions.order_by("starts_at"))[:count]:
        attendance_record(member=member, session=session, now=session.starts_at)


def papers(admin, klass):
    for kind in ("timetable", "signin"):
        services.paper_generate(user=admin, training_class=klass, kind=kind)


def test_enrolling_an_organisation_enrols_its_subtree(klass, tree, admins, members):
    added = services.enrol_organisation(
        user=admins["sub1"], training_class=klass, organisation=tree["community1"]
    )
    enrolled = set(klass.enrolments.values_list("member__name", flat=True))
    assert added == 3 and enrolled == {"member", "plain", "third"}
    again = services.enrol_organisation(
        user=admins["sub1"], training_class=klass, organisation=tree["community1"]
    )
    assert again == 0


def test_enrolling_outside_the_scope_names_the_member_and_enrols_nobody(
    klass, tree, admins, members
):
    with pytest.raises(OutOfClassScope) as refused:
        services.enrol_members(
            user=admins["sub1"],
            training_class=klass,
            member_ids=[members["plain"].pk, members["outsider"].pk],
        )
    assert "outsider" in refused.value.detail
    assert not klass.enrolments.exists()
    with pytest.raises(OutOfClassScope):
        services.enrol_organisation(
            user=admins["sub1"], training_class=klass, organisation=tree["branch2"]
        )
    with pytest.raises(NotOrganiser):
        services.enrol_members(
            user=admins["sub2"], training_class=klass, member_ids=[members["plain"].pk]
        )


def test_application_then_approval_or_refusal(klass, admins, members):
    applied = services.class_apply(member=members["member"], training_class=klass)
    assert applied.status == ClassEnrolment.Status.APPLIED
    with pytest.raises(EnrolmentConflict):
        services.class_apply(member=members["member"], training_class=klass)
    with pytest.raises(OutOfClassScope):
        services.class_apply(member=members["outsider"], training_class=klass)
    services.class_apply(member=members["plain"], training_class=klass)
    services.application_decide(
        user=admins["sub1"],
        training_class=klass,
        member_id=members["member"].pk,
        approve=True,
    )
    services.application_decide(
        user=admins["sub1"],
        training_class=klass,
        member_id=members["plain"].pk,
        approve=False,
        reason="名额已满",
    )
    statuses = dict(klass.enrolments.values_list("member__name", "status"))
    assert statuses == {"member": "enrolled", "plain": "refused"}
    with pytest.raises(EnrolmentConflict):
        services.application_decide(
            user=admins["sub1"],
            training_class=klass,
            member_id=members["plain"].pk,
            approve=True,
        )


def test_a_class_of_organisation_enrolment_takes_no_applications(tree, members):
    klass = make_class(tree["sub1"], enrolment=TrainingClass.EnrolmentMode.ORGANISATION)
    with pytest.raises(EnrolmentConflict):
        services.class_apply(member=members["member"], training_class=klass)


def test_closing_needs_sessions_held_attendance_settled_and_papers(
    tree, admins, members
):
    klass = make_class(tree["sub1"], ended=False)
    services.enrol_members(
        user=admins["sub1"], training_class=klass, member_ids=[members["member"].pk]
    )
    services.session_request_ask(
        member=members["member"],
        session=klass.sessions.first(),
        kind="leave",
        reason="出差",
    )
    with pytest.raises(ClassNotReady) as refused:
        services.class_close(user=admins["sub1"], training_class=klass)
    codes = [m["code"] for m in refused.value.extra["missing"]]
    assert codes.count("session_not_held") == 2
    assert "attendance_unsettled" in codes
    assert codes.count("paper_missing") == 2
    assert "课次“第1讲”尚未结束" in refused.value.detail
    assert "签到表" in refused.value.detail
    klass.refresh_from_db()
    assert klass.closed_at is None and not ClassCompletion.objects.exists()


def test_closing_grants_completions_and_hours_once(klass, admins, members):
    services.enrol_members(
        user=admins["sub1"],
        training_class=klass,
        member_ids=[members["member"].pk, members["plain"].pk],
    )
    attend(members["member"], klass, 2)
    # Sessions of a class granting its 学时 at 结业 record none at check-in.
    assert not CreditRecord.objects.filter(member=members["member"]).exists()
    papers(admins["sub1"], klass)
    assert selectors.class_state(training_class=klass) == "ready"
    result = services.class_close(user=admins["sub1"], training_class=klass)
    assert [c.member.name for c in result.completions] == ["member"]
    assert [s.member.name for s in result.not_completed] == ["plain"]
    completion = ClassCompletion.objects.get()
    assert completion.hours == Decimal("8")
    record = CreditRecord.objects.get(member=members["member"])
    assert (record.source, record.hours) == ("class", Decimal("8"))
    year = timezone.localtime(record.earned_at).year
    assert MemberYearCredit.objects.get(member=members["member"], year=year).hours == 8
    with pytest.raises(ClassClosed):
        services.class_close(user=admins["sub1"], training_class=klass)
    assert ClassCompletion.objects.count() == 1
    assert CreditRecord.objects.filter(member=members["member"]).count() == 1
    klass.refresh_from_db()
    assert selectors.class_state(training_class=klass) == "closed"


def test_the_completion_rule_counts_attendance_share(tree, admins, members):
    klass = make_class(tree["sub1"], sessions=4, min_attendance_percent=75)
    services.enrol_members(
        user=admins["sub1"],
        training_class=klass,
        member_ids=[members["member"].pk, members["plain"].pk],
    )
    attend(members["member"], klass, 3)
    attend(members["plain"], klass, 2)
    standings = {
        s.member.name: s for s in selectors.class_standings(training_class=klass)
    }
    assert standings["member"].completes
    assert not standings["plain"].completes
    assert standings["plain"].reasons == ("出勤 2/4 次，未达到 75%",)


def test_an_approved_late_entry_records_attendance(klass, admins, members):
    services.enrol_members(
        user=admins["sub1"], training_class=klass, member_ids=[members["member"].pk]
    )
    session = klass.sessions.first()
    with pytest.raises(RequestConflict):  # the session has begun: no leave
        services.session_request_ask(
            member=members["member"], session=session, kind="leave", reason="事假"
        )
    late = services.session_request_ask(
        member=members["member"], session=session, kind="late_entry", reason="忘记签到"
    )
    assert selectors.class_state(training_class=klass) == "pending"
    services.session_request_decide(
        user=admins["sub1"], request_id=late.pk, approve=True
    )
    assert Attendance.objects.filter(member=members["member"], session=session).exists()
    with pytest.raises(RequestConflict):
        services.session_request_decide(
            user=admins["sub1"], request_id=late.pk, approve=True
        )
    assert SessionRequest.objects.get().status == "approved"


def test_the_generated_papers_are_pdfs_of_the_records(klass, admins, members):
    services.enrol_members(
        user=admins["sub1"], training_class=klass, member_ids=[members["member"].pk]
    )
    attend(members["member"], klass, 1)
    papers(admins["sub1"], klass)
    sheet = ClassPaper.objects.get(kind="signin")
    assert sheet.generated
    with sheet.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert "signin-" in sheet.file.name  # not guessable from the class id alone


def test_the_required_papers_come_from_the_district_setting(klass, admins, members):
    rule = TrainingRule.load()
    rule.required_papers = ["summary"]
    rule.save()
    problems = selectors.class_close_problems(training_class=klass)
    assert [p.detail for p in problems] == ["缺少结班材料：培训总结"]


def test_a_class_in_the_future_is_enrolling(tree):
    klass = make_class(tree["sub1"], ended=False)
    assert selectors.class_state(training_class=klass) == "enrolling"
    session = klass.sessions.first()
    session.starts_at = timezone.now() - timedelta(minutes=5)
    session.save()
    assert selectors.class_state(training_class=klass) == "running"


def test_photos_are_never_a_required_paper_whatever_the_setting(klass, admins, members):
    # 国办函〔2026〕12号 第六条: no forced upload of work photos.
    rule = TrainingRule.load()
    rule.required_papers = ["photos", "summary"]
    rule.save()
    assert selectors.required_papers() == ["summary"]
    problems = selectors.class_close_problems(training_class=klass)
    assert [p.detail for p in problems] == ["缺少结班材料：培训总结"]
