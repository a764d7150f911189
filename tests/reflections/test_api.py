"""心得体会 through the API: a member writes about what they took part in, their
secretaries (branch and above, never a neighbouring subtree) read, reply and mark
优秀 to share; members of that organisation read the shared ones with the author's
name only where the author agreed; counts per organisation and year."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notices.models import Notice
from reflections.models import TEXT_MAX, Reflection

pytestmark = pytest.mark.django_db


def write(api, who, kind, target_id, text="收获很大，要把学习成果落实到工作中", **more):
    return api(who).post(
        "/", {"kind": kind, "target_id": target_id, "text": text, **more}
    )


@pytest.mark.parametrize("kind", ["lesson", "class", "meeting", "lecture"])
def test_a_member_writes_about_what_they_took_part_in(api, people, targets, kind):
    target = targets[kind]
    response = write(api, people["member"], kind, target.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == kind and body["target_id"] == target.pk
    assert body["excellent"] is False and body["reply"] == ""
    stored = Reflection.objects.get(pk=body["id"])
    assert stored.organisation == people["member"].organisation
    mine = api(people["member"]).get("/mine").json()["items"]
    assert [item["id"] for item in mine] == [body["id"]]
    again = write(api, people["member"], kind, target.pk, text="第二篇")
    assert again.status_code == 409 and again.json()["code"] == "already_written"
    assert Reflection.objects.get(pk=body["id"]).text.startswith("收获很大")


def test_what_the_member_did_not_take_part_in_is_refused(api, people, targets):
    outsider = people["outsider"]
    for kind in ("class", "meeting", "lecture"):
        response = write(api, outsider, kind, targets[kind].pk)
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "target_not_found"
    unknown = write(api, people["member"], "lesson", 999999)
    assert unknown.status_code == 404
    bad_kind = write(api, people["member"], "party", targets["lesson"].pk)
    assert bad_kind.status_code == 400 and bad_kind.json()["code"] == "unknown_kind"
    assert not Reflection.objects.exists()


def test_a_meeting_not_yet_held_is_refused(api, people, targets):
    meeting = targets["meeting"]
    meeting.starts_at = timezone.now() + timedelta(days=2)
    meeting.ends_at = meeting.starts_at + timedelta(hours=1)
    meeting.save()
    response = write(api, people["member"], "meeting", meeting.pk)
    assert response.status_code == 400 and response.json()["code"] == "not_begun"
    assert "还没有开始" in response.json()["detail"]


def test_a_lecture_not_yet_live_is_refused(api, people, targets):
    lecture = targets["lecture"]
    lecture.status = "scheduled"
    lecture.save()
    response = write(api, people["member"], "lecture", lecture.pk)
    assert response.status_code == 400 and response.json()["code"] == "not_begun"


def test_a_draft_lesson_is_not_a_target(api, people, section):
    from tests import factories

    draft = factories.lesson(section, title="草稿", live=False)
    response = write(api, people["member"], "lesson", draft.pk)
    assert response.status_code == 404


def test_a_reflection_of_1_mb_is_refused_and_nothing_is_lost(api, people, targets):
    first = write(api, people["member"], "lesson", targets["lesson"].pk)
    assert first.status_code == 201
    huge = "心" * (1024 * 1024 // 3)
    response = write(api, people["member"], "meeting", targets["meeting"].pk, text=huge)
    assert response.status_code in (400, 413)
    problem = response.json()
    assert problem["code"] in ("text_too_long", "too_large")
    assert str(TEXT_MAX) in problem["detail"] or "过大" in problem["detail"]
    edit = api(people["member"]).put(f"/{first.json()['id']}", {"text": huge})
    assert edit.status_code in (400, 413)
    assert Reflection.objects.get().text.startswith("收获很大")
    at_limit = write(
        api, people["member"], "class", targets["class"].pk, text="学" * TEXT_MAX
    )
    assert at_limit.status_code == 201


def test_not_a_member_and_anonymous(api, people, targets):
    response = write(api, people["secretary"], "lesson", targets["lesson"].pk)
    assert response.status_code == 403 and response.json()["code"] == "not_a_member"
    assert write(api, None, "lesson", targets["lesson"].pk).status_code == 401


def test_secretaries_along_the_tree_read_reply_and_mark(api, people, targets, tree):
    reflection_id = write(
        api, people["member"], "meeting", targets["meeting"].pk
    ).json()["id"]
    for who in ("secretary", "district_admin"):
        listed = api(people[who]).get("/to-read").json()["items"]
        assert [item["id"] for item in listed] == [reflection_id]
        assert listed[0]["author"] == people["member"].name
    assert api(people["other_admin"]).get("/to-read").json()["items"] == []
    assert api(people["other_admin"]).get(f"/{reflection_id}").status_code == 404
    refused = api(people["other_admin"]).post(
        f"/{reflection_id}/reply", {"reply": "好"}
    )
    assert refused.status_code == 404
    assert api(people["colleague"]).get(f"/{reflection_id}").status_code == 404

    reply = api(people["secretary"]).post(
        f"/{reflection_id}/reply", {"reply": "写得很实在，继续保持"}
    )
    assert reply.status_code == 200 and reply.json()["reply"] == "写得很实在，继续保持"
    notice = Notice.objects.get(recipient=people["member"].user)
    assert "回复" in notice.title and f"reflection-{reflection_id}" in notice.link
    unreplied = api(people["secretary"]).get("/to-read", unreplied="true").json()
    assert unreplied["items"] == []
    too_long = api(people["secretary"]).post(
        f"/{reflection_id}/reply", {"reply": "长" * 2001}
    )
    assert too_long.status_code == 400 and too_long.json()["code"] == "reply_too_long"
    assert Reflection.objects.get().reply == "写得很实在，继续保持"

    foreign = api(people["secretary"]).post(
        f"/{reflection_id}/excellent", {"excellent": True, "shared_in": "D"}
    )
    assert foreign.status_code == 400
    assert foreign.json()["code"] == "unknown_share_organisation"
    marked = api(people["district_admin"]).post(
        f"/{reflection_id}/excellent", {"excellent": True, "shared_in": "S1"}
    )
    assert marked.status_code == 200 and marked.json()["excellent"] is True
    assert marked.json()["shared_in"] == tree["sub1"].name


def test_shared_excellent_reflections_mask_the_author_unless_agreed(
    api, people, targets, tree
):
    from tests import factories

    masked = write(api, people["member"], "meeting", targets["meeting"].pk).json()["id"]
    named = write(
        api, people["member"], "lesson", targets["lesson"].pk, show_name=True
    ).json()["id"]
    hidden = write(api, people["member"], "class", targets["class"].pk).json()["id"]
    for reflection_id in (masked, named):
        assert (
            api(people["secretary"])
            .post(f"/{reflection_id}/excellent", {"excellent": True})
            .status_code
            == 200
        )
    colleague = api(people["colleague"])
    shared = {item["id"]: item for item in colleague.get("/shared").json()["items"]}
    assert set(shared) == {masked, named}
    assert shared[masked]["author"] == "党员（未署名）"
    assert shared[named]["author"] == people["member"].name
    assert shared[masked]["reply"] == ""
    assert colleague.get(f"/{masked}").json()["author"] == "党员（未署名）"
    assert colleague.get(f"/{hidden}").status_code == 404
    # shared within branch 1: a member of branch 2 does not see it
    assert api(people["outsider"]).get("/shared").json()["items"] == []
    # a member of the community above does not either (shared downwards only)
    upper = factories.member(organisation=tree["community1"], username="upper")
    assert api(upper).get("/shared").json()["items"] == []
    withdrawn = api(people["secretary"]).post(
        f"/{masked}/excellent", {"excellent": False}
    )
    assert withdrawn.json()["excellent"] is False
    assert [item["id"] for item in colleague.get("/shared").json()["items"]] == [named]


def test_the_author_edits_text_and_name_choice(api, people, targets):
    reflection_id = write(api, people["member"], "lesson", targets["lesson"].pk).json()[
        "id"
    ]
    edited = api(people["member"]).put(
        f"/{reflection_id}", {"text": "  修改后的心得  ", "show_name": True}
    )
    assert edited.status_code == 200
    assert (edited.json()["text"], edited.json()["show_name"]) == ("修改后的心得", True)
    other = api(people["colleague"]).put(f"/{reflection_id}", {"text": "篡改"})
    assert other.status_code == 404
    assert Reflection.objects.get().text == "修改后的心得"


def test_counts_per_organisation_and_year(api, people, targets, tree):
    first = write(api, people["member"], "lesson", targets["lesson"].pk).json()["id"]
    write(api, people["member"], "meeting", targets["meeting"].pk)
    api(people["district_admin"]).post(f"/{first}/reply", {"reply": "好"})
    api(people["district_admin"]).post(f"/{first}/excellent", {"excellent": True})
    year = timezone.localdate().year
    counts = api(people["district_admin"]).get("/counts", organisation="D", year=year)
    assert counts.status_code == 200, counts.content
    body = counts.json()
    assert (body["written"], body["replied"], body["excellent"]) == (2, 1, 1)
    by_code = {child["code"]: child for child in body["children"]}
    assert by_code["S1"]["written"] == 2 and by_code["S2"]["written"] == 0
    assert "author" not in str(body)
    earlier = api(people["district_admin"]).get(
        "/counts", organisation="D", year=year - 1
    )
    assert earlier.json()["written"] == 0
    outside = api(people["other_admin"]).get("/counts", organisation="S1", year=year)
    assert outside.status_code == 404
    assert (
        api(people["secretary"])
        .get("/counts", organisation="B1", year=1999)
        .status_code
        == 400
    )
