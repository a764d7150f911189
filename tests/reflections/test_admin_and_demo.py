"""心得体会 in the Wagtail admin (scoped to the reader's subtrees; the reply and the
优秀 mark go through the services) and the demo (a few reflections, one reply, one
优秀; a second run adds nothing)."""

from __future__ import annotations

import io

import pytest

from notices.models import Notice
from reflections.demo import reflections_demo_load
from reflections.models import Reflection
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_listing_and_edit_are_scoped(client_for, people, stored_reflection):
    reflection = stored_reflection
    own = client_for(people["secretary"])
    other = client_for(people["other_admin"])
    assert "adminsecret" in own.get("/admin/reflections/").text
    assert "adminsecret" not in other.get("/admin/reflections/").text
    edit = f"/admin/reflections/edit/{reflection.pk}/"
    assert other.get(edit).status_code == 404
    assert own.get(edit).status_code == 200
    done = own.post(edit, {"reply": "很好", "excellent": "on"})
    assert done.status_code == 302, done.content[:2000]
    reflection.refresh_from_db()
    assert (reflection.reply, reflection.excellent) == ("很好", True)
    assert reflection.shared_in == people["member"].organisation
    assert reflection.text == "adminsecret 心得"  # the member's words are not edited
    assert Notice.objects.filter(recipient=people["member"].user).count() == 1


def test_the_demo_writes_replies_and_marks_once(people, targets, tree):
    factories.org_admin(organisation=tree["sub1"], username="shuji")
    out = io.StringIO()
    reflections_demo_load(stdout=out)
    written = Reflection.objects.count()
    assert written == 2  # the member (the meeting) and the colleague (the lesson)
    assert Reflection.objects.exclude(reply="").count() == 1
    assert Reflection.objects.filter(excellent=True).count() == 1
    assert Reflection.objects.get(author=people["member"]).kind == "meeting"
    reflections_demo_load(stdout=out)
    assert Reflection.objects.count() == written
