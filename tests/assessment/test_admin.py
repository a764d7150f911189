"""The admin: the bank, quizzes and contests; a question's key must fit its kind;
contests are scoped to the organisation admin's subtree."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assessment.models import LiveContest, OnlineContest, Question, Quiz
from tests import factories


def _inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
        data[f"{prefix}-{index}-ORDER"] = str(index + 1)
    return data


def _question_form(**fields) -> dict:
    data = {
        "kind": "single",
        "difficulty": "3",
        "stem": "中共三大召开于哪座城市？",
        "is_true": "",
        "accepted_answers": "",
        "explanation": "",
        "tags": "党史",
        "active": "on",
        **_inline("options", [{"text": "广州", "correct": "on"}, {"text": "上海"}]),
    }
    data.update(fields)
    return data


def test_editor_adds_a_question_with_its_options(editor, client_for):
    client = client_for(editor)
    response = client.post(reverse("questions:add"), _question_form())
    assert response.status_code == 302, response.context["form"].errors
    question = Question.objects.get()
    assert [(o.text, o.correct) for o in question.options.all()] == [
        ("广州", True), ("上海", False)]  # fmt: skip
    listing = client.get(reverse("questions:index"), {"q": "中共三大"})
    assert listing.status_code == 200
    assert "中共三大召开于哪座城市" in listing.content.decode()


def test_a_key_that_does_not_fit_the_kind_is_refused(editor, client_for):
    client = client_for(editor)
    two_right = _question_form(**{"options-1-correct": "on"})
    response = client.post(reverse("questions:add"), two_right)
    assert response.status_code == 200
    assert "有且只有一个正确答案" in str(response.context["form"].non_field_errors())
    no_truth = _question_form(kind="true_false", **_inline("options", []))
    response = client.post(reverse("questions:add"), no_truth)
    assert "判断题须给出答案" in str(response.context["form"].non_field_errors())
    assert not Question.objects.exists()


def test_an_exam_must_belong_to_a_course(editor, client_for, section):
    lesson = factories.lesson(section, title="微党课")
    data = {
        "title": "结业考试",
        "kind": "course",
        "active": "on",
        "page": str(lesson.pk),
        "selection": "random",
        "draw_count": "10",
        "draw_tags": "",
        "draw_difficulty_min": "1",
        "draw_difficulty_max": "5",
        "time_limit_minutes": "20",
        "max_attempts": "3",
        "pass_mark": "60",
        **_inline("quiz_questions", []),
    }
    response = client_for(editor).post(reverse("quizzes:add"), data)
    assert response.status_code == 200
    assert "结业考试须选择所属课程" in str(response.context["form"].errors)
    assert not Quiz.objects.exists()


def test_secretaries_see_only_contests_of_their_subtree(db, client_for):
    district = factories.organisation(kind="district", code="D")
    sub1 = factories.organisation(parent=district, kind="subdistrict", code="S1")
    sub2 = factories.organisation(parent=district, kind="subdistrict", code="S2")
    mine = LiveContest.objects.create(title="本街道擂台赛", organisation=sub1)
    theirs = LiveContest.objects.create(title="别的街道擂台赛", organisation=sub2)
    secretary = factories.org_admin(organisation=sub1, username="secretary")
    client = client_for(secretary)
    listing = client.get(reverse("live_contests:index")).content.decode()
    assert "本街道擂台赛" in listing and "别的街道擂台赛" not in listing
    assert (
        client.get(reverse("live_contests:edit", args=[theirs.pk])).status_code == 404
    )
    assert client.get(reverse("live_contests:edit", args=[mine.pk])).status_code == 200
    now = timezone.now()
    paper = Quiz.objects.create(title="试卷", kind="contest")
    OnlineContest.objects.create(
        title="别处海选", organisation=sub2, quiz=paper, opens_at=now,
        closes_at=now + timedelta(days=1),
    )  # fmt: skip
    assert (
        "别处海选" not in client.get(reverse("online_contests:index")).content.decode()
    )


def test_a_running_live_contest_cannot_be_edited(editor, client_for, db):
    district = factories.organisation(kind="district", code="D")
    contest = LiveContest.objects.create(
        title="进行中", organisation=district, status="running"
    )
    data = {
        "title": "改名",
        "organisation": str(district.pk),
        "hall": "",
        "starts_at": "",
        **_inline("teams", []),
        **_inline("items", []),
    }
    response = client_for(editor).post(
        reverse("live_contests:edit", args=[contest.pk]), data
    )
    assert response.status_code == 200
    assert "比赛正在进行" in str(response.context["form"].non_field_errors())
    contest.refresh_from_db()
    assert contest.title == "进行中"
