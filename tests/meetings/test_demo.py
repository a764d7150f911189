"""The meetings demo: a year of branch life from the records, idempotent, and the
ledger and overview read from it."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from meetings import selectors
from meetings.demo import meetings_demo_load
from meetings.models import Attendee, Meeting
from notices.models import Notice
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_year_of_branch_life(member_user):
    district = factories.organisation(kind="district", code="YX", name="越秀区委")
    sub = factories.organisation(parent=district, kind="subdistrict", code="YX-BJ")
    community = factories.organisation(parent=sub, kind="community", code="YX-BJ-C1")
    branches = [
        factories.organisation(parent=community, code=f"YX-BJ-C1-B{n}") for n in (1, 2)
    ]
    factories.member(organisation=branches[0], user=member_user)
    for branch in branches:
        factories.member(organisation=branch, member_type="secretary")
        for _ in range(4):
            factories.member(organisation=branch)
    out = io.StringIO()
    meetings_demo_load(stdout=out)
    assert "组织生活" in out.getvalue()
    count = Meeting.objects.count()
    assert count > 10
    meetings_demo_load(stdout=io.StringIO())
    assert Meeting.objects.count() == count  # run again: nothing added

    first = selectors.ledger_build(
        organisation=branches[0], year=timezone.localdate().year
    )
    assert {row.meeting.kind for row in first.rows} >= {"general", "committee"}
    held = [row for row in first.rows if row.meeting.ends_at < timezone.now()]
    assert held and all(row.minutes for row in held)
    for row in held:  # every attendee is counted once, whatever happened
        accounted = row.present + row.leave + row.absent + row.makeup + row.home_visit
        assert row.absent >= 0 and accounted == row.expected, row
    statuses = {k.kind: k.status for k in first.kinds}
    assert statuses["committee"] != "overdue"
    upcoming = Meeting.objects.get(theme="重温入党誓词")
    assert Notice.objects.filter(
        recipient=member_user, topic=f"meetings.meeting:{upcoming.pk}"
    ).exists()
    assert Attendee.objects.filter(
        meeting__organisation=branches[0], attendance="code"
    ).exists()
    total, rows = selectors.overview_build(
        organisation=district, year=timezone.localdate().year
    )
    assert total.branches == 2 and total.meetings_held > 10
    assert [row.code for row in rows] == ["YX-BJ"]
