"""Who may check in: a class is open to its organisation's subtree by default, or to
all members; others are refused with a message naming the class's organisation, the
same way through the API, the portal and the rules the admin edits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learning import selectors, services
from learning.errors import NotInvited
from learning.models import Attendance, TrainingClass, TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db
CHECKINS = "/api/v3/learning/checkins"
PORTAL = "/me/checkin/"


def make_session(organisation, *, attendance=TrainingClass.Audience.SUBTREE):
    klass = TrainingClass.objects.create(
        title=f"{organisation.name}培训班", organisation=organisation,
        attendance=attendance,
    )  # fmt: skip
    start = timezone.now() - timedelta(minutes=5)
    return TrainingSession.objects.create(
        training_class=klass, title="第一讲", starts_at=start,
        ends_at=start + timedelta(hours=1),
    )  # fmt: skip


def api_check_in(user, session, token_for):
    return Client().post(
        CHECKINS,
        data=json.dumps(
            {"session": session.pk, "code": services.checkin_code(session=session)}
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for(user)}",
    )


def test_members_of_the_subtree_check_in_others_are_refused(tree, token_for):
    session = make_session(tree["sub1"])
    inside = factories.member(organisation=tree["branch1"])  # below sub1
    holder = factories.member(organisation=tree["sub1"])  # sub1 itself
    sibling = factories.member(organisation=tree["branch2"])  # under sub2
    above = factories.member(organisation=tree["district"])  # sub1's parent
    assert api_check_in(inside.user, session, token_for).status_code == 201
    assert api_check_in(holder.user, session, token_for).status_code == 201
    for outsider in (sibling, above):
        refused = api_check_in(outsider.user, session, token_for)
        assert refused.status_code == 403, refused.content
        assert refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "checkin_not_invited"
        assert tree["sub1"].name in refused.json()["detail"]
    attendees = set(session.attendance.values_list("member_id", flat=True))
    assert attendees == {inside.pk, holder.pk}


def test_an_open_class_takes_any_member(tree, token_for):
    session = make_session(tree["branch1"], attendance=TrainingClass.Audience.OPEN)
    stranger = factories.member(organisation=tree["branch2"])
    assert api_check_in(stranger.user, session, token_for).status_code == 201
    assert Attendance.objects.filter(member=stranger, session=session).exists()


def test_the_refusal_comes_before_the_code_is_checked(tree):
    session = make_session(tree["branch1"])
    outsider = factories.member(organisation=tree["branch2"])
    with pytest.raises(NotInvited):
        services.session_check_in(member=outsider, session=session, code="000000")


def test_the_portal_lists_only_classes_the_member_may_attend(tree, client_for):
    own = make_session(tree["sub1"])
    closed = make_session(tree["sub2"])
    open_to_all = make_session(tree["branch2"], attendance="open")
    member = factories.member(organisation=tree["branch1"])
    listed = {s.pk for s in selectors.sessions_open_for_checkin(member=member)}
    assert listed == {own.pk, open_to_all.pk}
    client = client_for(member.user)
    page = client.get(PORTAL).content.decode()
    assert f'value="{own.pk}"' in page and f'value="{closed.pk}"' not in page
    # Arriving from the venue's QR code of a class not theirs: the refusal is shown.
    arrived = client.get(f"{PORTAL}?session={closed.pk}").content.decode()
    assert 'role="alert"' in arrived and tree["sub2"].name in arrived
    code = services.checkin_code(session=closed)
    refused = client.post(PORTAL, {"session": closed.pk, "code": code})
    assert refused.status_code == 403
    html = refused.content.decode()
    assert 'role="alert"' in html and f"仅限{tree['sub2'].name}" in html
    assert not Attendance.objects.exists()


def test_the_admin_edits_and_shows_who_may_attend(editor, client_for, tree):
    session = make_session(tree["sub1"])
    klass = session.training_class
    client = client_for(editor)
    form = client.get(reverse("training_classes:edit", args=[klass.pk]))
    assert 'name="attendance"' in form.content.decode()
    screen = client.get(reverse("learning_checkin", args=[session.pk])).content
    assert f"参训范围：{tree['sub1'].name}及其下级党组织的党员" in screen.decode()
    klass.attendance = TrainingClass.Audience.OPEN
    klass.save()
    screen = client.get(reverse("learning_checkin", args=[session.pk])).content
    assert "参训范围：所有党员" in screen.decode()
    listing = client.get(reverse("training_classes:index")).content.decode()
    assert "所有党员" in listing
