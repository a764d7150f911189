"""The menu: proposal, review (draft → submitted → published or returned with
a comment, each step kept), search by words (Chinese, traditional, pinyin),
topic, audience, area and mode; the demo."""

from __future__ import annotations

import io

import pytest

from lectures.demo import lectures_demo_load
from lectures.models import Lecture, LectureOrder, LectureRating
from lectures.selectors import rating_summary
from meetings.models import Attendee
from notices.models import Notice
from tests import factories
from tests.lectures.conftest import publish

BODY = {"title": "党史学习教育专题", "minutes": 60, "mode": "onsite", "areas": ["S1"]}


def test_a_lecture_is_reviewed_before_it_is_on_the_menu(api, people):
    lecturer = api(people["lecturer_user"])
    created = lecturer.post("/mine", BODY)
    assert created.status_code == 201, created.content
    lecture_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    everyone = api(people["member"].user)
    assert everyone.get(f"/menu/{lecture_id}").status_code == 404
    assert lecturer.post(f"/mine/{lecture_id}/submit").json()["status"] == "submitted"
    again = lecturer.post(f"/mine/{lecture_id}/submit")
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"
    changed = lecturer.put(f"/mine/{lecture_id}", {**BODY, "title": "改"})
    assert changed.status_code == 409
    editor = api(people["editor"])
    assert [item["id"] for item in editor.get("/review").json()["items"]] == [
        lecture_id
    ]
    assert api(people["secretary"]).get("/review").status_code == 403
    bare = editor.post(f"/review/{lecture_id}", {"publish": False})
    assert bare.status_code == 400 and bare.json()["code"] == "comment_required"
    returned = editor.post(
        f"/review/{lecture_id}", {"publish": False, "comment": "请补充简介"}
    )
    assert returned.json()["status"] == "returned"
    assert returned.json()["review_comment"] == "请补充简介"
    assert Notice.objects.filter(
        recipient=people["lecturer_user"], body="请补充简介"
    ).exists()
    fixed = lecturer.put(f"/mine/{lecture_id}", {**BODY, "summary": "从一大到二十大"})
    assert fixed.status_code == 200
    lecturer.post(f"/mine/{lecture_id}/submit")
    published = editor.post(f"/review/{lecture_id}", {"publish": True})
    assert published.json()["status"] == "published"
    assert everyone.get(f"/menu/{lecture_id}").json()["summary"] == "从一大到二十大"
    steps = Lecture.objects.get(pk=lecture_id).review_steps.values_list(
        "status", "comment"
    )
    assert list(steps) == [
        ("submitted", ""), ("returned", "请补充简介"),
        ("submitted", ""), ("published", ""),
    ]  # fmt: skip
    not_lecturer = api(people["member"].user).post("/mine", BODY)
    assert not_lecturer.status_code == 403
    assert not_lecturer.json()["code"] == "not_a_lecturer"
    wrong = lecturer.post("/mine", {**BODY, "areas": ["NOPE"], "minutes": 5})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_minutes"
    wrong = lecturer.post("/mine", {**BODY, "areas": ["NOPE"]})
    assert wrong.json()["code"] == "invalid_area" and "NOPE" in wrong.json()["detail"]


def test_the_menu_is_searched_by_words_pinyin_and_facets(api, people, tree):
    history = publish(people, title="党史学习教育专题党课", areas=["S1"])
    governance = publish(
        people, title="基层治理创新", areas=["S2"], mode="online",
        audiences=["retired"], summary="网格与议事会",
    )  # fmt: skip
    member = api(people["member"].user)

    def titles(**params):
        answer = member.get("/menu", **params)
        assert answer.status_code == 200
        return {item["title"] for item in answer.json()["items"]}

    assert titles(q="党史") == {history.title}
    assert titles(q="黨史") == {history.title}  # traditional
    assert titles(q="dangshi") == {history.title}  # pinyin
    assert titles(q="dsxx") == {history.title}  # initials
    assert titles(q="李讲师") == {history.title, governance.title}
    assert titles(q="党史 网格") == set()
    assert titles(q="治理 网格") == {governance.title}
    assert titles(mode="online") == {governance.title}
    assert titles(mode="onsite") == {history.title}
    assert titles(audience="retired") == {history.title, governance.title}
    assert titles(audience="mobile") == {history.title}
    assert titles(area="B1") == {history.title}  # S1 and below
    assert titles(area="B2") == {governance.title}
    assert titles(area="NOPE") == set()


@pytest.mark.django_db
def test_the_demo_has_a_menu_of_twenty_and_orders_in_every_state(member_user, editor):
    district = factories.organisation(kind="district", code="YX", name="越秀区委")
    subs = {
        code: factories.organisation(parent=district, kind="subdistrict", code=code)
        for code in ("YX-BJ", "YX-DS", "YX-HL")
    }
    community = factories.organisation(
        parent=subs["YX-BJ"], kind="community", code="YX-BJ-C1"
    )
    branch = factories.organisation(parent=community, code="YX-BJ-C1-B1")
    factories.member(organisation=branch, user=member_user)
    for _ in range(8):
        factories.member(organisation=branch)
    factories.lecturer(name="陈明华", user=factories.user("lecturer", groups=["讲师"]))
    factories.lecturer(name="李晓红", specialties="理论宣讲")
    factories.org_admin(organisation=subs["YX-BJ"], username="shuji")
    out = io.StringIO()
    lectures_demo_load(stdout=out)
    assert "20 menu lectures" in out.getvalue()
    assert Lecture.objects.filter(status="published").count() == 20
    assert set(Lecture.objects.values_list("status", flat=True)) == {
        "draft", "submitted", "published", "returned",
    }  # fmt: skip
    assert set(LectureOrder.objects.values_list("status", flat=True)) == {
        "ordered", "dispatched", "accepted", "declined",
    }  # fmt: skip
    held = LectureOrder.objects.filter(ratings__isnull=False).distinct().get()
    attended = Attendee.objects.filter(meeting=held.meeting, attendance="code")
    ratings = LectureRating.objects.filter(order=held).count()
    assert ratings == min(6, attended.count() - 1) >= 5  # not the host
    summary = rating_summary(lectures=[held.lecture])
    assert summary.average is not None and summary.count == ratings
    assert LectureOrder.objects.filter(meeting__isnull=False).count() == 2
    count = LectureOrder.objects.count()
    lectures_demo_load(stdout=io.StringIO())
    assert LectureOrder.objects.count() == count
    assert Lecture.objects.count() == 23
