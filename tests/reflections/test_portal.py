"""心得体会 in the portal: 写心得 from the lesson, class and meeting pages, 我的心得
with the reply and the shared 优秀 ones, and the secretary's reading list."""

from __future__ import annotations

import pytest
from django.test import Client

from reflections.models import TEXT_MAX, Reflection

pytestmark = pytest.mark.django_db

WRITE = "/me/reflections/write/"


def login(client_for, who):
    return client_for(getattr(who, "user", who))


def test_the_pages_link_to_writing(client_for, people, targets):
    member = login(client_for, people["member"])
    lesson = member.get(targets["lesson"].url)
    assert f"{WRITE}?kind=lesson&amp;target={targets['lesson'].pk}" in lesson.text
    meeting = member.get(f"/me/meetings/{targets['meeting'].pk}/")
    assert f"{WRITE}?kind=meeting&amp;target={targets['meeting'].pk}" in meeting.text
    klass = member.get(f"/me/training/{targets['class'].pk}/")
    assert f"{WRITE}?kind=class&amp;target={targets['class'].pk}" in klass.text
    assert "/me/reflections/" in member.get("/me/").text


def test_a_member_writes_edits_and_reads_the_reply(client_for, people, targets):
    member = login(client_for, people["member"])
    query = f"?kind=meeting&target={targets['meeting'].pk}"
    form = member.get(WRITE + query)
    assert form.status_code == 200 and "自愿填写" in form.text
    assert "学习党章" in form.text
    done = member.post(
        WRITE,
        {"kind": "meeting", "target": targets["meeting"].pk, "text": "深受教育"},
    )
    assert done.status_code == 302 and done["Location"].endswith("?done=1")
    stored = Reflection.objects.get()
    assert (stored.text, stored.show_name) == ("深受教育", False)
    again = member.get(WRITE + query)
    assert "深受教育" in again.text and "保存修改" in again.text
    member.post(
        WRITE,
        {
            "kind": "meeting",
            "target": targets["meeting"].pk,
            "text": "深受教育，更要落实",
            "show_name": "1",
        },
    )
    stored.refresh_from_db()
    assert (stored.text, stored.show_name) == ("深受教育，更要落实", True)
    assert Reflection.objects.count() == 1

    secretary = login(client_for, people["secretary"])
    listed = secretary.get("/me/reflections/to-read/")
    assert listed.status_code == 200 and people["member"].name in listed.text
    counts = listed.context["counts"]
    assert [(o.code, f.written, f.replied) for o, f in counts] == [("B1", 1, 0)]
    review = f"/me/reflections/to-read/{stored.pk}/"
    assert secretary.get(review).status_code == 200
    replied = secretary.post(review, {"action": "reply", "reply": "体会很深"})
    assert replied.status_code == 302
    marked = secretary.post(review, {"action": "mark", "excellent": "1"})
    assert marked.status_code == 302
    mine = member.get("/me/reflections/")
    assert "体会很深" in mine.text and "优秀" in mine.text
    colleague = login(client_for, people["colleague"]).get("/me/reflections/")
    assert "深受教育，更要落实" in colleague.text
    assert people["member"].name in colleague.text  # the author agreed


def test_too_long_or_foreign_targets_keep_what_was_typed(client_for, people, targets):
    member = login(client_for, people["member"])
    long_text = "长" * (TEXT_MAX + 1)
    refused = member.post(
        WRITE, {"kind": "lesson", "target": targets["lesson"].pk, "text": long_text}
    )
    assert refused.status_code == 400
    assert f"最多 {TEXT_MAX} 字" in refused.text and long_text in refused.text
    huge = member.post(
        WRITE,
        {"kind": "lesson", "target": targets["lesson"].pk, "text": "字" * 400_000},
    )
    assert huge.status_code in (400, 413)
    outsider = login(client_for, people["outsider"])
    foreign = outsider.get(f"{WRITE}?kind=meeting&target={targets['meeting'].pk}")
    assert foreign.status_code == 404 and "没有参加" in foreign.text
    assert not Reflection.objects.exists()


def test_who_reads_what(client_for, people, stored_reflection):
    reflection = stored_reflection
    review = f"/me/reflections/to-read/{reflection.pk}/"
    assert login(client_for, people["other_admin"]).get(review).status_code == 404
    refused = login(client_for, people["other_admin"]).post(
        review, {"action": "reply", "reply": "越权"}
    )
    assert refused.status_code == 404
    assert (
        login(client_for, people["colleague"])
        .get("/me/reflections/to-read/")
        .status_code
        == 403
    )
    assert (
        login(client_for, people["secretary"]).get("/me/reflections/").status_code
        == 403
    )  # not a member: no reflections of their own
    assert Client().get("/me/reflections/").status_code == 302
    reflection.refresh_from_db()
    assert reflection.reply == ""
