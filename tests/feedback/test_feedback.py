"""投诉建议: any signed-in account submits and follows its own submissions; the
organisation administrators of the submitter's subtree (and editors) answer in
the admin, and the submitter gets a portal notice."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from feedback.models import TEXT_MAX, Feedback
from feedback.services import SUBMISSIONS_PER_MINUTE, feedback_answer
from notices.models import Notice
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v3/feedback/"


def post(client: Client, body: dict):
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.fixture
def admins(tree):
    return {
        "own": factories.org_admin(organisation=tree["sub1"], username="own_admin"),
        "other": factories.org_admin(organisation=tree["sub2"], username="other"),
    }


def test_a_member_submits_and_sees_only_their_own(member, tree, client_for):
    other = factories.member(organisation=tree["branch2"], username="other_member")
    mine = client_for(member.user)
    response = post(mine, {"category": "suggestion", "text": "  希望增加夜间课程  "})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["text"] == "希望增加夜间课程"
    assert (body["status"], body["status_label"]) == ("pending", "待处理")
    assert body["category_label"] == "建议"
    stored = Feedback.objects.get(pk=body["id"])
    assert stored.organisation_id == tree["branch1"].pk
    assert post(client_for(other.user), {"category": "complaint", "text": "别的"})
    listed = mine.get(URL).json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]
    theirs = Feedback.objects.get(submitter=other.user)
    assert mine.get(f"{URL}{theirs.pk}").status_code == 404
    assert mine.get(f"{URL}{body['id']}").json()["text"] == "希望增加夜间课程"


def test_lecturers_and_editors_have_the_channel_too(lecturer_user, editor, client_for):
    for user in (lecturer_user, editor):
        response = post(client_for(user), {"category": "problem", "text": "上传慢"})
        assert response.status_code == 201
        assert Feedback.objects.get(pk=response.json()["id"]).organisation_id is None


def test_anonymous_is_asked_to_sign_in(db):
    client = Client()
    assert post(client, {"category": "suggestion", "text": "匿名"}).status_code == 401
    assert client.get(URL).status_code == 401
    page = client.get("/me/feedback/")
    assert page.status_code == 302 and "/login/" in page["Location"]
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [
        ({"category": "praise", "text": "好"}, "unknown_category"),
        ({"category": "suggestion", "text": "   "}, "text_required"),
        ({"category": "suggestion", "text": "长" * (TEXT_MAX + 1)}, "text_too_long"),
        (
            {"category": "suggestion", "text": "好", "contact_preference": "fax"},
            "unknown_contact_preference",
        ),
        (
            {"category": "suggestion", "text": "好", "contact_preference": "phone"},
            "contact_required",
        ),
        ({"category": "suggestion", "text": "好", "page": 999999}, "page_not_found"),
    ],
)
def test_bad_input_is_a_400_naming_the_problem(member, client_for, body, code):
    response = post(client_for(member.user), body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not Feedback.objects.exists()


def test_the_text_limit_is_exact(member, client_for):
    client = client_for(member.user)
    assert (
        post(client, {"category": "question", "text": "字" * TEXT_MAX}).status_code
        == 201
    )
    refused = post(client, {"category": "question", "text": "字" * (TEXT_MAX + 1)})
    assert str(TEXT_MAX) in refused.json()["detail"]


def test_a_page_it_concerns_must_be_public(member, client_for, section):
    lesson = factories.lesson(section, title="公开微党课")
    draft = factories.lesson(section, title="草稿", live=False)
    client = client_for(member.user)
    ok = post(client, {"category": "problem", "text": "字幕不同步", "page": lesson.pk})
    assert ok.status_code == 201 and ok.json()["page_title"] == "公开微党课"
    hidden = post(client, {"category": "problem", "text": "看", "page": draft.pk})
    assert hidden.status_code == 400 and hidden.json()["code"] == "page_not_found"


def test_submissions_are_rate_limited(member, client_for):
    client = client_for(member.user)
    for _ in range(SUBMISSIONS_PER_MINUTE):
        assert post(client, {"category": "suggestion", "text": "好"}).status_code == 201
    refused = post(client, {"category": "suggestion", "text": "再来"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert Feedback.objects.count() == SUBMISSIONS_PER_MINUTE


def test_answering_notifies_the_submitter_once_per_answer(member, admins):
    feedback = Feedback.objects.create(
        submitter=member.user,
        organisation=member.organisation,
        category="complaint",
        text="签到码看不清",
    )
    feedback_answer(
        user=admins["own"], feedback_id=feedback.pk, status="in_progress", answer=""
    )
    assert not Notice.objects.exists()
    feedback_answer(
        user=admins["own"],
        feedback_id=feedback.pk,
        status="answered",
        answer="已调大字号",
    )
    notice = Notice.objects.get(recipient=member.user)
    assert notice.title == "您的投诉已答复"
    assert notice.body == "已调大字号"
    assert notice.link == f"/me/feedback/#feedback-{feedback.pk}"
    feedback.refresh_from_db()
    assert feedback.answered_by == admins["own"]
    assert feedback.status == "answered"


def test_only_the_submitters_subtree_or_editors_answer(member, admins, editor):
    from feedback.errors import FeedbackNotFound, InvalidFeedback

    feedback = Feedback.objects.create(
        submitter=member.user, organisation=member.organisation,
        category="suggestion", text="建议",
    )  # fmt: skip
    with pytest.raises(FeedbackNotFound):
        feedback_answer(
            user=admins["other"], feedback_id=feedback.pk, status="closed", answer=""
        )
    with pytest.raises(InvalidFeedback) as refused:
        feedback_answer(
            user=editor, feedback_id=feedback.pk, status="answered", answer=" "
        )
    assert refused.value.code == "answer_required"
    feedback_answer(user=editor, feedback_id=feedback.pk, status="closed", answer="")
    feedback.refresh_from_db()
    assert feedback.status == "closed" and feedback.answer == ""


def test_the_admin_lists_and_answers_within_the_scope(member, admins, client_for):
    feedback = Feedback.objects.create(
        submitter=member.user, organisation=member.organisation,
        category="complaint", text="会议室太远feedbacksecret",
    )  # fmt: skip
    own = client_for(admins["own"])
    other = client_for(admins["other"])
    assert "feedbacksecret" in own.get("/admin/feedback/").content.decode()
    assert "feedbacksecret" not in other.get("/admin/feedback/").content.decode()
    edit = f"/admin/feedback/edit/{feedback.pk}/"
    assert other.get(edit).status_code == 404
    page = own.get(edit)
    assert page.status_code == 200 and "会议室太远" in page.content.decode()
    refused = own.post(edit, {"status": "answered", "answer": ""})
    assert refused.status_code == 200  # the form again, with the error
    assert "请填写答复内容" in refused.content.decode()
    done = own.post(
        edit, {"status": "answered", "answer": "下月起改在社区党群服务中心"}
    )
    assert done.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.status, feedback.answered_by) == ("answered", admins["own"])
    assert feedback.text == "会议室太远feedbacksecret"  # the submission is not edited
    assert Notice.objects.filter(recipient=member.user).count() == 1
    mine = client_for(member.user).get("/me/feedback/").content.decode()
    assert "已答复" in mine and "下月起改在社区党群服务中心" in mine


def test_the_portal_page_submits_and_keeps_the_text_on_a_refusal(member, client_for):
    client = client_for(member.user)
    page = client.get("/me/feedback/")
    assert page.status_code == 200
    assert "投诉建议" in page.content.decode()
    refused = client.post(
        "/me/feedback/",
        {"category": "suggestion", "text": "留着", "contact_preference": "email"},
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "请填写号码或邮箱" in body and "留着" in body
    done = client.post(
        "/me/feedback/", {"category": "question", "text": "学时怎么算", "page": ""}
    )
    assert done.status_code == 302 and done["Location"].endswith("?done=1")
    listing = client.get(done["Location"]).content.decode()
    assert "学时怎么算" in listing and "待处理" in listing
