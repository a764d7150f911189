"""Notices in the portal and reminders sent by the worker through the configured
senders, the e-mail one against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.utils import timezone

from notices import services
from notices.models import Notice
from notices.tasks import reminders_send_due_task
from tests import factories
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free loopback port, and Django's SMTP backend
    pointed at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.NOTICE_SENDERS = ["notices.senders.EmailSender"]
    inbox.controller, inbox.port = controller, port
    yield inbox
    inbox.controller.stop()


def _notice(user, *, remind_in: float, topic="meetings.meeting:1", now=None):
    now = now or timezone.now()
    services.notice_send(
        recipient_ids=[user.pk],
        topic=topic,
        title="党员大会通知：学习贯彻全会精神",
        body="定于周五上午召开党员大会。",
        link="/me/meetings/1/",
        remind_at=now + timedelta(seconds=remind_in),
        now=now,
    )


def test_a_due_reminder_is_mailed_once(smtp, clock):
    user = factories.user("zhang")
    _notice(user, remind_in=3600)
    assert services.reminders_send_due() == {"sent": 0, "skipped": 0, "failed": 0}
    clock(3601)
    assert reminders_send_due_task.delay().get() == {
        "sent": 1,
        "skipped": 0,
        "failed": 0,
    }
    assert services.reminders_send_due()["sent"] == 0  # a second run sends nothing
    ((recipients, message),) = smtp.messages
    assert recipients == ["zhang@example.org"]
    assert message["Subject"].strip() == "党员大会通知：学习贯彻全会精神"
    assert "/me/meetings/1/" in message.get_content()
    assert Notice.objects.get().reminded_at is not None


def test_an_unreachable_server_keeps_the_reminder_for_the_next_run(
    smtp, clock, settings
):
    user = factories.user("li")
    _notice(user, remind_in=0)
    smtp.controller.stop()
    assert services.reminders_send_due()["failed"] == 1
    notice = Notice.objects.get()
    assert notice.reminded_at is None and notice.remind_tries == 1
    assert notice.remind_error.startswith("email: 邮件发送失败")
    smtp.controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    smtp.controller.start()  # the server is back
    clock(60)
    assert services.reminders_send_due()["sent"] == 1
    assert len(smtp.messages) == 1


def test_no_address_is_skipped_and_other_senders_plug_in(smtp, settings):
    settings.NOTICE_SENDERS = [
        "notices.senders.EmailSender",
        "tests.notices.test_reminders.TextMessageSender",
    ]
    TextMessageSender.sent.clear()
    user = factories.user("wang")
    user.email = ""
    user.save()
    _notice(user, remind_in=0)
    assert services.reminders_send_due() == {"sent": 1, "skipped": 0, "failed": 0}
    assert smtp.messages == []
    assert TextMessageSender.sent == [("wang", "党员大会通知：学习贯彻全会精神")]


class TextMessageSender:
    """An SMS sender as a deployment would plug one in (NOTICE_SENDERS)."""

    name = "sms"
    sent: list = []

    def send(self, *, notice, recipient):
        self.sent.append((recipient.get_username(), notice.title))


def test_sending_again_updates_the_notice_and_reminds_at_the_new_time(clock):
    user = factories.user("zhao")
    _notice(user, remind_in=0)
    services.reminders_send_due()
    first = Notice.objects.get()
    assert first.reminded_at is not None
    _notice(user, remind_in=7200)  # the meeting moved
    notice = Notice.objects.get()
    assert notice.reminded_at is None and notice.read_at is None
    assert Notice.objects.count() == 1


def test_the_notices_api_shows_ones_own(client_for):
    mine, other = factories.user("a1"), factories.user("a2")
    _notice(mine, remind_in=0)
    _notice(other, remind_in=0)
    client = client_for(mine)
    listing = client.get("/api/v3/notices/").json()
    assert listing["unread"] == 1 and len(listing["items"]) == 1
    notice_id = listing["items"][0]["id"]
    read = client.post(
        f"/api/v3/notices/{notice_id}/read", content_type="application/json"
    )
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v3/notices/?unread=true").json()["items"] == []
    theirs = Notice.objects.get(recipient=other).pk
    assert_problem(
        client.post(f"/api/v3/notices/{theirs}/read", content_type="application/json"),
        404,
    )
    assert Client().get("/api/v3/notices/").status_code == 401
