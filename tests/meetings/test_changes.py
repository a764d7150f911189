"""Party groups (党小组), rescheduling and cancelling a meeting, and files attached
to the minutes, over the API; each refusal a 4xx naming the problem, nothing lost."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.utils import timezone

from meetings import selectors
from meetings.models import Meeting, MinutesAttachment, PartyGroup
from notices.models import Notice
from notices.services import reminders_send_due
from tests.helpers import assert_problem
from tests.meetings.conftest import checkin_code_now, plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


# --- party groups ---------------------------------------------------------------------


def test_a_group_meeting_asks_the_groups_members_and_the_ledger_counts_it(
    clock, people, api
):
    secretary = api(people["secretary"])
    members = [people["host"].pk, people["recorder"].pk, people["plain"].pk]
    response = secretary.post(
        "/groups",
        {"organisation": "B1", "name": "第一党小组", "members": members[:2],
         "leader": people["plain"].pk},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    group = response.json()
    assert group["leader_name"] == "plain"
    assert {m["id"] for m in group["members"]} == set(members)  # the leader joins
    # A branch with groups: a 党小组会 names its group, and asks its members only.
    assert_problem(
        secretary.post("/", plan(people, kind="group")), 400, "party_group_required"
    )
    assert_problem(
        secretary.post("/", plan(people, kind="general", party_group=group["id"])),
        400,
        "invalid_party_group",
    )
    start = timezone.now() - timedelta(days=3)
    response = secretary.post(
        "/", plan(people, kind="group", party_group=group["id"], starts_at=start)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["party_group_name"] == "第一党小组"
    assert {a["name"] for a in body["attendees"]} == {"host", "recorder", "plain"}
    ledger = secretary.get(f"/ledgers/B1/{timezone.localdate().year}").json()
    assert ledger["groups"] == [{"id": group["id"], "name": "第一党小组", "held": 1}]
    assert ledger["rows"][0]["party_group"] == "第一党小组"
    assert (
        secretary.get("/groups", organisation="B1").json()["items"][0]["id"]
        == (group["id"])
    )


def test_party_group_refusals(people, api):
    secretary = api(people["secretary"])
    outsider = people["outsider"].pk
    assert_problem(
        secretary.post(
            "/groups", {"organisation": "B1", "name": "组", "members": [outsider]}
        ),
        400,
        "member_not_in_organisation",
    )
    assert_problem(
        api(people["other_admin"]).post(
            "/groups", {"organisation": "B1", "name": "组", "members": []}
        ),
        403,
        "out_of_scope",
    )
    assert_problem(
        api(people["district_admin"]).post(
            "/groups", {"organisation": "S1", "name": "组", "members": []}
        ),
        400,
        "not_a_branch",
    )
    created = secretary.post("/groups", {"organisation": "B1", "name": "组"}).json()
    assert_problem(
        secretary.post("/groups", {"organisation": "B1", "name": "组"}),
        400,
        "name_taken",
    )
    assert_problem(
        api(people["other_admin"]).put(
            f"/groups/{created['id']}/members", {"members": []}
        ),
        404,
        "party_group_not_found",
    )
    response = secretary.put(
        f"/groups/{created['id']}/members",
        {"members": [people["plain"].pk], "leader": people["plain"].pk},
    )
    assert response.status_code == 200
    assert [m["name"] for m in response.json()["members"]] == ["plain"]
    assert_problem(
        secretary.put(f"/groups/{created['id']}/members", {"members": [outsider]}),
        400,
        "member_not_in_organisation",
    )
    assert list(PartyGroup.objects.get().members.values_list("pk", flat=True)) == [
        people["plain"].pk
    ]


# --- reschedule and cancel ---------------------------------------------------------------


def test_rescheduling_moves_the_window_and_tells_everyone_by_mail(
    clock, people, api, meeting, settings
):
    settings.NOTICE_SENDERS = ["notices.senders.EmailSender"]
    old = Meeting.objects.get(pk=meeting["id"]).starts_at
    new = old + timedelta(days=3)
    secretary = api(people["secretary"])
    assert_problem(
        secretary.post(
            f"/{meeting['id']}/reschedule",
            {"starts_at": new.isoformat(), "ends_at": (new + timedelta(hours=2)).isoformat()},
        ),
        400,
        "reason_required",
    )  # fmt: skip
    assert_problem(
        api(people["plain"]).post(
            f"/{meeting['id']}/reschedule",
            {"starts_at": new.isoformat(), "ends_at": new.isoformat(), "reason": "x"},
        ),
        403,
    )
    response = secretary.post(
        f"/{meeting['id']}/reschedule",
        {"starts_at": new.isoformat(),
         "ends_at": (new + timedelta(hours=2)).isoformat(), "reason": "与区委会议冲突"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "rescheduled" and body["state_label"] == "已改期"
    assert body["reschedule_reason"] == "与区委会议冲突"
    moved = Meeting.objects.get(pk=meeting["id"])
    assert moved.original_starts_at == old and moved.starts_at == new
    # The reminder follows the new time; a change notice goes out at once by mail.
    notice = Notice.objects.get(
        recipient=people["plain"].user, topic=f"meetings.meeting:{moved.pk}"
    )
    assert notice.remind_at == new - timedelta(hours=24)
    assert reminders_send_due()["sent"] == 5  # every attendee, by e-mail
    subjects = {message.subject for message in mail.outbox}
    assert any("会议改期" in subject for subject in subjects), subjects
    assert "与区委会议冲突" in mail.outbox[0].body
    # Check-in opens 30 minutes before the new start, not the old one.
    clock((old - timezone.now()).total_seconds() + 60)
    assert_problem(
        api(people["plain"]).post(
            f"/{moved.pk}/checkins", {"code": checkin_code_now(moved.pk)}
        ),
        400,
        "too_early",
    )
    clock((new - clock.now()).total_seconds() - 600)
    response = api(people["plain"]).post(
        f"/{moved.pk}/checkins", {"code": checkin_code_now(moved.pk)}
    )
    assert response.status_code == 201, response.content


def test_a_cancelled_meeting_is_not_held_and_takes_nothing_more(
    clock, people, api, meeting, settings
):
    settings.NOTICE_SENDERS = ["notices.senders.EmailSender"]
    host = api(people["host"])
    assert_problem(
        host.post(f"/{meeting['id']}/cancellation", {}), 400, "reason_required"
    )
    response = host.post(f"/{meeting['id']}/cancellation", {"reason": "台风停课"})
    assert response.status_code == 200, response.content
    assert response.json()["state_label"] == "已取消"
    assert_problem(
        host.post(f"/{meeting['id']}/cancellation", {"reason": "再取消"}),
        409,
        "meeting_cancelled",
    )
    assert_problem(
        api(people["plain"]).post(f"/{meeting['id']}/leave", {"reason": "出差"}),
        409,
        "meeting_cancelled",
    )
    # No check-in code for the screen: a photo of one would check nobody in.
    assert_problem(host.get(f"/{meeting['id']}/checkin-code"), 409, "meeting_cancelled")
    # The reminder before the meeting is withdrawn; the cancellation is mailed now.
    notice = Notice.objects.get(
        recipient=people["plain"].user, topic=f"meetings.meeting:{meeting['id']}"
    )
    assert notice.remind_at is None and notice.title.startswith("已取消")
    assert reminders_send_due()["sent"] == 5
    assert "台风停课" in mail.outbox[0].body
    # The ledger lists it as cancelled, no absentees, and does not count it held.
    clock(3 * 24 * 3600)
    ledger = (
        api(people["secretary"])
        .get(f"/ledgers/B1/{timezone.localtime(clock.now()).year}")
        .json()
    )
    row = next(r for r in ledger["rows"] if r["meeting"] == meeting["id"])
    assert row["cancelled"] is True and row["absent"] == 0
    general = next(k for k in ledger["kinds"] if k["kind"] == "general")
    assert general["held"] == 0
    node = Meeting.objects.get(pk=meeting["id"]).organisation
    total, _ = selectors.overview_build(organisation=node, year=clock.now().year)
    assert total.meetings_held == 0


def test_a_meeting_begun_cannot_be_moved_or_cancelled(clock, people, api, meeting):
    clock(2 * 24 * 3600 + 60)
    secretary = api(people["secretary"])
    assert_problem(
        secretary.post(f"/{meeting['id']}/cancellation", {"reason": "晚了"}),
        400,
        "already_started",
    )
    later = clock.now() + timedelta(days=1)
    assert_problem(
        secretary.post(
            f"/{meeting['id']}/reschedule",
            {
                "starts_at": later.isoformat(),
                "ends_at": (later + timedelta(hours=1)).isoformat(),
                "reason": "晚了",
            },
        ),  # fmt: skip
        400,
        "already_started",
    )
    assert Meeting.objects.get(pk=meeting["id"]).cancelled_at is None


# --- attachments ---------------------------------------------------------------------------


def _upload(client, meeting_id, name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.client.post(
        f"/api/v3/meetings/{meeting_id}/attachments",
        {"file": SimpleUploadedFile(name, content)},
    )


def test_the_recorder_attaches_files_that_readers_download(clock, people, api, meeting):
    clock(2 * 24 * 3600 + 3600)  # the meeting has begun
    recorder = api(people["recorder"])
    for name, content in (
        ("签到表.pdf", PDF),
        ("合影.png", PNG),
        ("发言.docx", _docx()),
    ):
        response = _upload(recorder, meeting["id"], name, content)
        assert response.status_code == 201, response.content
    attachment = MinutesAttachment.objects.get(name="签到表.pdf")
    assert attachment.content_type == "application/pdf"
    assert default_storage.exists(attachment.file.name)
    assert "签到表" not in attachment.file.name  # a server-made storage name
    listed = api(people["plain"]).get(f"/{meeting['id']}/attachments").json()
    assert [item["name"] for item in listed["items"]] == [
        "签到表.pdf", "合影.png", "发言.docx"
    ]  # fmt: skip
    download = api(people["plain"]).get(
        listed["items"][0]["url"][len("/api/v3/meetings") :]
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    # Not asked to it: not found; the ledger lists the files by name.
    assert_problem(api(people["outsider"]).get(f"/{meeting['id']}/attachments"), 404)
    ledger = (
        api(people["secretary"])
        .get(f"/ledgers/B1/{timezone.localtime(clock.now()).year}")
        .json()
    )
    assert ledger["rows"][0]["attachments"] == ["签到表.pdf", "合影.png", "发言.docx"]


def test_bad_files_are_refused_by_name_and_nothing_is_kept(
    clock, people, api, meeting, settings
):
    recorder = api(people["recorder"])
    assert_problem(_upload(recorder, meeting["id"], "a.pdf", PDF), 409, "not_yet_held")
    clock(2 * 24 * 3600 + 3600)
    answer = assert_problem(
        _upload(recorder, meeting["id"], "纪要.pdf", b"MZ\x90\x00 not a pdf"),
        400,
        "attachment_content",
    )
    assert "纪要.pdf" in answer["detail"]
    assert_problem(
        _upload(recorder, meeting["id"], "合影.png", PDF), 400, "attachment_content"
    )
    assert_problem(
        _upload(recorder, meeting["id"], "脚本.exe", PDF), 400, "attachment_type"
    )
    assert_problem(
        _upload(recorder, meeting["id"], "假.docx", b"PK\x03\x04broken"),
        400,
        "attachment_content",
    )
    settings.MEETINGS_ATTACHMENT_MAX_MB = 1
    assert_problem(
        _upload(recorder, meeting["id"], "大.pdf", PDF + b"0" * (1024 * 1024)),
        400,
        "attachment_too_large",
    )
    assert_problem(_upload(api(people["plain"]), meeting["id"], "a.pdf", PDF), 403)
    assert MinutesAttachment.objects.count() == 0


def test_committee_attachments_are_for_the_committee(clock, people, api):
    secretary = api(people["secretary"])
    committee = [people["host"].pk, people["recorder"].pk]
    response = secretary.post(
        "/",
        plan(people, kind="committee", members=committee, guests=[people["plain"].pk]),
    )
    meeting_id = response.json()["id"]
    clock(2 * 24 * 3600 + 3600)
    assert _upload(api(people["recorder"]), meeting_id, "a.pdf", PDF).status_code == 201
    attachment = MinutesAttachment.objects.get()
    assert (
        api(people["host"])
        .get(f"/{meeting_id}/attachments/{attachment.pk}")
        .status_code
        == 200
    )
    assert_problem(
        api(people["plain"]).get(f"/{meeting_id}/attachments/{attachment.pk}"),
        403,
        "minutes_restricted",
    )


def test_the_ledger_pdf_names_attachments_and_cancelled_meetings(
    clock, people, api, meeting, tmp_path
):
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed (make chromium installs it)")
    secretary = api(people["secretary"])
    later = secretary.post(
        "/",
        plan(people, theme="改日再议", starts_at=timezone.now() + timedelta(days=4)),
    ).json()
    secretary.post(f"/{later['id']}/cancellation", {"reason": "台风停课"})
    clock(2 * 24 * 3600 + 3600)
    assert (
        _upload(api(people["recorder"]), meeting["id"], "签到表.pdf", PDF).status_code
        == 201
    )
    year = timezone.localtime(clock.now()).year
    response = secretary.get(f"/ledgers/B1/{year}", format="pdf")
    assert response.status_code == 200
    path = tmp_path / "ledger.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    assert "附件：签到表.pdf" in flat and "已取消：台风停课" in flat, text


def test_my_meetings_show_rescheduled_and_cancelled(
    clock, people, api, client_for, meeting
):
    secretary = api(people["secretary"])
    other = secretary.post("/", plan(people, theme="另一次会议")).json()
    new = timezone.now() + timedelta(days=5)
    secretary.post(
        f"/{meeting['id']}/reschedule",
        {"starts_at": new.isoformat(),
         "ends_at": (new + timedelta(hours=1)).isoformat(), "reason": "会场检修"},
    )  # fmt: skip
    secretary.post(f"/{other['id']}/cancellation", {"reason": "台风停课"})
    client = client_for(people["plain"].user)
    listing = client.get("/me/meetings/").content.decode()
    assert 'data-state="rescheduled">已改期' in listing
    assert 'data-state="cancelled">已取消' in listing
    page = client.get(f"/me/meetings/{other['id']}/").content.decode()
    assert "台风停课" in page and 'name="action" value="leave"' not in page
    page = client.get(f"/me/meetings/{meeting['id']}/").content.decode()
    assert "会场检修" in page and 'name="action" value="leave"' in page
