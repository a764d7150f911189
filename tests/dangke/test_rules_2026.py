"""The 2026 rules on government apps (国办函〔2026〕12号《政务移动互联网应用程序
规范化管理办法》第六条), checked where a machine can check them. docs/rules-2026.md
says clause by clause how the platform meets them and names these tests.

- 打卡签到 only for those asked: a member not invited to a meeting or outside a
  class's audience cannot check in, and no one is asked who was not invited;
- no photo, video or track is ever required: no file, image or location field on
  an attendance or check-in record, no file input on a check-in page, and a
  training class's 结班 papers do not ask for photos by default;
- no ranking of individuals unless the organiser turns it on for a contest;
- 学时 is a training record, never a score: report and ledger columns say
  培训记录 and no export speaks of scores, points, rankings or online time;
- a feedback channel (投诉建议) for every signed-in account, linked from every
  portal page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
SCORE_WORDS = ("得分", "积分", "分数", "排名", "排行", "考核", "在线时长", "学习时长")


# --- 打卡签到: attendance is asked only of those invited ------------------------------


@pytest.mark.django_db
def test_only_those_asked_to_a_meeting_may_check_in(tree, member):
    from meetings.errors import NotPermittedHere
    from meetings.models import Attendee, Meeting
    from meetings.services import meeting_check_in

    outsider = factories.member(organisation=tree["branch2"], username="outsider")
    now = timezone.now()
    meeting = Meeting.objects.create(
        organisation=tree["branch1"], kind="general", theme="党员大会",
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1),
        place="address", address="党群服务中心", host=member, recorder=member,
    )  # fmt: skip
    Attendee.objects.create(meeting=meeting, member=member)
    with pytest.raises(NotPermittedHere) as refused:
        meeting_check_in(user=outsider.user, meeting=meeting, code="000000")
    assert refused.value.code == "not_invited"
    assert not Attendee.objects.filter(member=outsider).exists()


@pytest.mark.django_db
def test_only_the_audience_of_a_class_may_check_in(tree, member):
    from learning.errors import NotInvited
    from learning.models import TrainingClass, TrainingSession
    from learning.services import session_check_in_allowed

    training = TrainingClass.objects.create(
        title="书记培训班", organisation=tree["branch2"]
    )
    now = timezone.now()
    session = TrainingSession.objects.create(
        training_class=training, title="第一课",
        starts_at=now, ends_at=now + timedelta(hours=2),
    )  # fmt: skip
    with pytest.raises(NotInvited):
        session_check_in_allowed(member=member, session=session)


# --- no photo, video or track is ever required --------------------------------------

ATTENDANCE_MODELS = (
    ("meetings", "Attendee"),
    ("meetings", "HomeVisit"),
    ("meetings", "Meeting"),
    ("meetings", "MinutesRevision"),
    ("learning", "Attendance"),
)


@pytest.mark.parametrize("app_label, model_name", ATTENDANCE_MODELS)
def test_attendance_records_hold_no_file_image_or_location(app_label, model_name):
    model = apps.get_model(app_label, model_name)
    offending = [
        field.name
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
        or (
            field.is_relation
            and field.related_model is not None
            and field.related_model._meta.app_label in ("wagtailimages", "wagtaildocs")
        )
        or re.search(
            r"photo|image|picture|latitude|longitude|location|track", field.name
        )
    ]
    assert offending == [], f"{model_name} asks for {offending}"


def test_minutes_attachments_are_optional():
    """Files on minutes are their own rows: a meeting, its minutes and its filed
    ledger never need one."""
    attachment = apps.get_model("meetings", "MinutesAttachment")
    link = attachment._meta.get_field("meeting")
    assert link.related_model is apps.get_model("meetings", "Meeting")
    for model_name in ("Meeting", "MinutesRevision", "LedgerFiling"):
        model = apps.get_model("meetings", model_name)
        assert not [
            f
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is attachment
        ]


CHECKIN_TEMPLATES = [
    "themes/templates/themes/default/checkin.html",
    "themes/templates/themes/default/_checkin_done.html",
    "themes/templates/themes/default/meeting.html",
    "themes/templates/themes/default/meeting_screen.html",
    "themes/templates/themes/default/_hall_checkin.html",
    "learning/templates/learning/checkin.html",
]


@pytest.mark.parametrize("template", CHECKIN_TEMPLATES)
def test_check_in_pages_ask_for_no_photo_and_no_position(template):
    text = (ROOT / template).read_text(encoding="utf-8")
    assert 'type="file"' not in text and "capture=" not in text
    assert "geolocation" not in text


def test_the_portal_scripts_never_ask_for_the_position():
    scripts = (ROOT / "themes/static/themes/js").rglob("*.js")
    asking = [
        str(path.relative_to(ROOT))
        for path in scripts
        if "geolocation" in path.read_text(encoding="utf-8")
    ]
    assert asking == []


def test_class_papers_do_not_require_photos_by_default():
    from training.models import PaperKind, default_required_papers

    assert PaperKind.PHOTOS not in default_required_papers()


# --- no ranking of individuals unless an organiser turns it on -----------------------


def test_contest_rankings_are_off_by_default():
    from assessment.models import OnlineContest

    field = OnlineContest._meta.get_field("ranking_public")
    assert field.default is False


# --- 学时 is a training record, never a score ---------------------------------------


def test_report_exports_label_hours_a_training_record():
    from learning.exports import HEADER, LAGGARD_HEADER, TRAINING_RECORD_NOTE

    hours = [c for c in (*HEADER, *LAGGARD_HEADER) if "学时" in c]
    assert hours and all("培训记录" in c for c in hours)
    assert "不是考核评分" in TRAINING_RECORD_NOTE
    for column in (*HEADER, *LAGGARD_HEADER):
        assert not any(word in column for word in SCORE_WORDS), column


@pytest.mark.django_db
def test_a_report_export_ends_with_the_training_record_note(tree, member):
    from learning.exports import TRAINING_RECORD_NOTE, report_table
    from learning.selectors import report_build

    report = report_build(organisation=tree["district"])
    table = report_table(report, report.laggards)
    assert table[-1] == [TRAINING_RECORD_NOTE]


def test_the_admin_report_page_says_hours_are_a_training_record():
    text = (ROOT / "learning/templates/learning/report.html").read_text("utf-8")
    assert "学时是参加学习培训的记录，不是考核评分" in text
    assert not any(word in text for word in ("得分", "积分", "排名", "在线时长"))


def test_the_meeting_ledger_counts_attendance_not_scores():
    from meetings.exports import HEADER

    assert not any(word in column for column in HEADER for word in SCORE_WORDS)


def test_no_report_operation_returns_online_time():
    """No report, archive or ledger schema carries time spent online or a score
    of a person: the API has no 在线时长 statistics."""
    from learning.schemas import LaggardOut, ReportRowOut

    for schema in (ReportRowOut, LaggardOut):
        names = set(schema.model_fields)
        assert not {
            n for n in names if re.search(r"seconds|duration|online|score|rank", n)
        }


# --- a feedback channel for every user ----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("groups", [["党员"], ["讲师"], ["编辑"], ["组织管理员"]])
def test_every_signed_in_account_has_the_feedback_channel(groups):
    user = factories.user(f"u{groups[0]}", groups=groups)
    client = Client()
    client.force_login(user)
    page = client.get("/me/feedback/")
    assert page.status_code == 200
    sent = client.post("/me/feedback/", {"category": "suggestion", "text": "建议"})
    assert sent.status_code == 302
    assert user.feedback.count() == 1


@pytest.mark.parametrize("theme", ["default", "jade"])
def test_every_portal_page_links_the_feedback_channel(theme):
    base = ROOT / f"themes/templates/themes/{theme}/base.html"
    assert 'href="/me/feedback/">投诉建议</a>' in base.read_text(encoding="utf-8")
