"""Reminders: enrolled members hear of a session two days ahead (once), and the
administrators of an organisation without a submitted plan hear of the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from notices.models import Notice
from tests.training.conftest import line, make_class
from training import services
from training.services.reminders import (
    plan_deadline_reminders_send,
    session_reminders_send,
)

pytestmark = pytest.mark.django_db


def test_enrolled_members_are_told_of_a_session_once(tree, admins, members):
    klass = make_class(tree["sub1"], ended=False)
    services.enrol_members(
        user=admins["sub1"], training_class=klass, member_ids=[members["member"].pk]
    )
    assert session_reminders_send() == 2  # both sessions start tomorrow
    first = klass.sessions.order_by("starts_at").first()
    notice = Notice.objects.get(
        recipient=members["member"].user, topic=f"training.session:{first.pk}"
    )
    assert "培训课次提醒" in notice.title and notice.link == f"/me/training/{klass.pk}/"
    assert notice.remind_at == first.starts_at - timedelta(hours=2)
    assert session_reminders_send() == 0
    assert not Notice.objects.filter(recipient=members["plain"].user).exists()


def test_the_plan_deadline_reaches_admins_without_a_submitted_plan(tree, admins):
    year = timezone.localdate().year
    near = timezone.make_aware(datetime(year, 1, 28, 9))
    plan = services.plan_create(
        user=admins["sub1"], organisation=tree["sub1"], year=year, title="计划",
        lines=[line()],
    )  # fmt: skip
    services.plan_submit(user=admins["sub1"], plan=plan)
    sent = plan_deadline_reminders_send(now=near)
    told = set(Notice.objects.values_list("recipient__username", flat=True))
    assert told == {"d_admin", "s2_admin"}  # S1 submitted; branches have no duty
    assert sent == 2
    assert plan_deadline_reminders_send(now=near) == 0
    early = timezone.make_aware(datetime(year, 1, 2, 9))
    Notice.objects.all().delete()
    assert plan_deadline_reminders_send(now=early) == 0
