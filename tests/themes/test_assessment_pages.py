"""The member's assessment pages: lesson quizzes and course exams (start, answer,
result), 每日一练, 错题本, 知识竞赛 and the live contest's pages. Sign-in is needed
(except to join a live contest), only members answer, a member sees only their own
attempts, and no answer key reaches the page before the attempt is handed in."""

# ruff: noqa: F811 — pytest fixtures imported from tests/assessment/conftest.py
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from assessment import services
from assessment.models import (
    LiveContest,
    LiveContestItem,
    LiveTeam,
    OnlineContest,
    Quiz,
    QuizAttempt,
)
from tests import factories

# The assessment area's fixtures, used here by name.
from tests.assessment.conftest import (  # noqa: F401
    _fresh_attempt_sheets,
    bank,
    call,
    course,
    exam,
    fixed_quiz,
    lesson,
    make_question,
    other_member,
    quiz,
    right_answer,
    wrong_answer,
)

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def form_data(bank_questions, answers) -> dict:
    """The attempt form's fields for answers given as the API's bodies."""
    data = {}
    for question in bank_questions:
        body = answers(question)
        name = f"q{question.pk}"
        if "options" in body:
            data[name] = [str(pk) for pk in body["options"]]
        elif "value" in body:
            data[name] = "true" if body["value"] else "false"
        else:
            data[name] = body["text"]
    return data


def start(client, quiz) -> str:
    response = client.post(f"/me/quizzes/{quiz.pk}/")
    assert response.status_code == 302, response.content
    return response["Location"]


@pytest.fixture
def contest(tree, bank):
    paper = fixed_quiz(None, list(bank.values()), title="竞赛试卷", kind="contest")
    now = factories_now()
    return OnlineContest.objects.create(
        title="党史知识竞赛",
        organisation=tree["district"],
        quiz=paper,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
    )


def factories_now():
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def live(tree, bank):
    contest = LiveContest.objects.create(
        title="擂台赛", organisation=tree["district"], hall="区委礼堂"
    )
    team = LiveTeam.objects.create(contest=contest, name="第一支部", sort_order=0)
    LiveContestItem.objects.create(
        contest=contest, question=bank["single"], kind="buzzer", points=10
    )
    return {"contest": contest, "team": team}


@pytest.fixture
def stranger(db):
    """Signed in, but not a party member."""
    return factories.user("stranger")


def test_member_pages_send_anonymous_visitors_to_sign_in(
    client, quiz, contest, live, member
):
    attempt = QuizAttempt.objects.create(
        quiz=quiz,
        member=member,
        number=1,
        started_at=factories_now(),
        deadline=factories_now() + timedelta(minutes=5),
    )
    urls = [
        f"/me/quizzes/{quiz.pk}/",
        f"/me/attempts/{attempt.pk}/",
        "/me/practice/",
        "/me/wrong-answers/",
        "/me/contests/",
        f"/me/contests/{contest.pk}/",
        f"/live/{live['contest'].pk}/host/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"/login/?next={url}"), url
    # Phones join without an account.
    assert client.get("/live/join/").status_code == 200
    assert client.get(f"/live/{live['contest'].pk}/").status_code == 200


def test_someone_who_is_not_a_member_is_told_so(client_for, stranger, quiz, contest):
    client = client_for(stranger)
    for url in (
        f"/me/quizzes/{quiz.pk}/",
        "/me/practice/",
        "/me/wrong-answers/",
        "/me/contests/",
        f"/me/contests/{contest.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "不是党员" in response.content.decode()
    assert "每日一练" not in client.get("/me/archive/").content.decode()


def test_the_quiz_page_shows_the_rules_and_the_attempts(client_for, member, quiz):
    client = client_for(member.user)
    html = client.get(f"/me/quizzes/{quiz.pk}/").content.decode()
    assert "4 道" in html and "10 分钟" in html and "60 分" in html
    assert "开始作答" in html and "还没有作答记录" in html
    # The member's navigation has practice, the book and contests.
    assert "每日一练" in html and "错题本" in html and "知识竞赛" in html


def test_the_attempt_page_holds_no_answer_key(client_for, member, quiz, bank):
    client = client_for(member.user)
    response = client.get(start(client, quiz))
    html = response.content.decode()
    assert response.status_code == 200
    for question in bank.values():
        assert question.stem in html
    assert "会议在上海开幕" not in html  # the explanation
    assert "正确答案" not in html and "解析" not in html
    for tag, attrs in Tags(html).tags:
        for name, value in attrs.items():
            assert "correct" not in name and "correct" not in (value or ""), (
                tag,
                attrs,
            )
            assert "key" not in name.replace("data-question", ""), (tag, attrs)
            assert name != "class" or "key" not in (value or "").split(), (tag, attrs)
    # The inputs: radios, checkboxes, true/false and a text field, all labelled.
    tags = Tags(html).tags
    inputs = [
        attrs
        for tag, attrs in tags
        if tag == "input" and re.fullmatch(r"q\d+", attrs.get("name", ""))
    ]
    kinds = {attrs["type"] for attrs in inputs}
    assert kinds == {"radio", "checkbox", "text"}
    labelled = {attrs.get("for") for tag, attrs in tags if tag == "label"}
    assert all(a["id"] in labelled for a in inputs)
    assert ("script", {"type": "module", "src": "/static/themes/js/quiz.js"}) in tags


def test_saved_answers_come_back_on_reload(client_for, member, quiz, bank):
    client = client_for(member.user)
    url = start(client, quiz)
    attempt_id = int(url.rstrip("/").split("/")[-1])
    right = right_answer(bank["single"])
    saved = call(
        client, "PUT", f"attempts/{attempt_id}/answers/{bank['single'].pk}", right
    )
    assert saved.status_code == 200, saved.content
    tags = Tags(client.get(url).content.decode()).tags
    checked = [a for t, a in tags if t == "input" and "checked" in a]
    assert [a["value"] for a in checked] == [str(right["options"][0])]
    # Without script, 保存答案 posts the whole form.
    data = form_data([bank["single"]], right_answer)
    client.post(url, {**data, f"q{bank['fill_blank'].pk}": "广州", "action": "save"})
    tags = Tags(client.get(url).content.decode()).tags
    checked = [a for t, a in tags if t == "input" and "checked" in a]
    assert [a["value"] for a in checked] == [str(right["options"][0])]
    text = next(a for t, a in tags if t == "input" and a.get("type") == "text")
    assert text["value"] == "广州"


def test_handing_in_the_form_scores_it_and_shows_the_explanations(
    client_for, member, quiz, bank
):
    client = client_for(member.user)
    url = start(client, quiz)
    data = form_data(bank.values(), right_answer)
    response = client.post(url, {**data, "action": "submit"}, follow=True)
    html = response.content.decode()
    assert "100.00" in html and "及格" in html
    assert "会议在上海开幕" in html and "正确答案" in html
    attempt = QuizAttempt.objects.get(member=member)
    assert attempt.status == "submitted" and attempt.passed
    # The quiz page lists it.
    html = client.get(f"/me/quizzes/{quiz.pk}/").content.decode()
    assert "已通过" in html and "第 1 次" in html


def test_handing_in_with_unanswered_questions_asks_first(
    client_for, member, quiz, bank
):
    """One tap on 交卷 with questions left open used up an attempt. Without script
    the server asks on a page naming how many are unanswered; nothing is handed in
    until the member confirms, and the answers given are kept."""
    client = client_for(member.user)
    url = start(client, quiz)
    data = form_data([bank["single"]], right_answer)
    response = client.post(url, {**data, "action": "submit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "还有 3 题未作答，确定交卷吗？" in html
    assert "继续作答" in html and 'name="confirm" value="1"' in html
    attempt = QuizAttempt.objects.get(member=member)
    assert attempt.status == "open"
    assert attempt.questions.filter(answer__isnull=False).count() == 1
    for question in (bank["multiple"], bank["true_false"], bank["fill_blank"]):
        assert f"#q{question.pk}" in html
    # The confirmation's 交卷 carries no answers and clears none.
    response = client.post(
        url, {"action": "submit", "confirm": "1", "answers": "saved"}, follow=True
    )
    assert "25.00" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.correct_count == 1


def test_saving_with_unanswered_questions_does_not_ask(client_for, member, quiz, bank):
    client = client_for(member.user)
    url = start(client, quiz)
    response = client.post(url, {"action": "save"})
    assert response.status_code == 302
    assert QuizAttempt.objects.get(member=member).status == "open"


def test_the_attempt_page_has_the_hand_in_dialog(client_for, member, quiz):
    client = client_for(member.user)
    html = client.get(start(client, quiz)).content.decode()
    tags = Tags(html).tags
    dialog = next(attrs for tag, attrs in tags if tag == "dialog")
    assert dialog["aria-labelledby"] == "hand-in-title"
    assert "继续作答" in html and "data-confirm" in html


def test_no_explanations_when_the_quiz_hides_them(client_for, member, lesson, bank):
    hidden = fixed_quiz(lesson, [bank["single"]], show_explanations=False)
    client = client_for(member.user)
    url = start(client, hidden)
    html = client.post(
        url,
        {**form_data([bank["single"]], wrong_answer), "action": "submit"},
        follow=True,
    ).content.decode()
    assert "0.00" in html and "未及格" in html
    assert "正确答案" not in html and "不显示答案与解析" in html


def test_someone_elses_attempt_is_not_found(client_for, member, other_member, quiz):
    url = start(client_for(member.user), quiz)
    other = client_for(other_member.user)
    assert other.get(url).status_code == 404
    assert other.post(url, {"action": "submit"}).status_code == 404
    assert QuizAttempt.objects.get().status == "open"


def test_an_answer_after_the_deadline_is_refused_with_the_reason(
    client_for, member, quiz, bank, clock
):
    client = client_for(member.user)
    url = start(client, quiz)
    clock(11 * 60)
    response = client.post(
        url, {**form_data(bank.values(), right_answer), "action": "submit"}, follow=True
    )
    html = response.content.decode()
    assert "作答时间已于" in html and "截止" in html
    assert "0.00" in html  # scored as saved by the deadline: nothing
    assert QuizAttempt.objects.get().status == "timed_out"


def test_a_lesson_quiz_out_of_reach_is_refused_with_403(
    client_for, member, section, bank
):
    """The portal says why a lesson's quiz cannot be started when the lesson is not
    meant for the member's type (learning's reach rule), with 403 like the API."""
    lesson = factories.lesson(section, title="离退休党员专题", duration=600)
    factories.course(section, lessons=[lesson], intended_member_types=["retired"])
    quiz = fixed_quiz(lesson, [bank["single"]])
    response = client_for(member.user).post(f"/me/quizzes/{quiz.pk}/")
    assert response.status_code == 403
    assert "「离退休党员专题」不面向您的党员类别" in response.content.decode()
    assert not QuizAttempt.objects.exists()


def test_no_more_attempts_than_the_quiz_allows(client_for, member, lesson, bank):
    once = fixed_quiz(lesson, [bank["single"]], max_attempts=1)
    client = client_for(member.user)
    client.post(start(client, once), {"action": "submit", "confirm": "1"})
    html = client.get(f"/me/quizzes/{once.pk}/").content.decode()
    assert "作答次数已用完" in html and "开始作答" not in html
    response = client.post(f"/me/quizzes/{once.pk}/")
    assert response.status_code == 409
    assert "已全部用完" in response.content.decode()


def test_lesson_and_course_pages_link_their_quiz_and_exam(
    client_for, member, quiz, exam, lesson, course
):
    client = client_for(member.user)
    html = client.get(lesson.url).content.decode()
    assert "课后测验" in html and f"/me/quizzes/{quiz.pk}/" in html
    html = client.get(course.url).content.decode()
    assert "结业考试" in html and f"/me/quizzes/{exam.pk}/" in html


def test_daily_practice_shows_right_or_wrong_and_the_explanation(
    client_for, member, bank
):
    client = client_for(member.user)
    html = client.get("/me/practice/").content.decode()
    assert "今日已答 0 / 4 题" in html and "会议在上海开幕" not in html
    assert "积分" not in html and "排名：" not in html
    question = bank["multiple"]
    data = form_data([question], right_answer)
    response = client.post("/me/practice/", {**data, "question": question.pk})
    assert response.status_code == 302
    html = client.get("/me/practice/").content.decode()
    assert "今日已答 1 / 4 题" in html
    assert "回答正确" in html and "会议在上海开幕" in html
    wrong = bank["true_false"]
    client.post(
        "/me/practice/",
        {**form_data([wrong], wrong_answer), "question": wrong.pk},
    )
    html = client.get("/me/practice/").content.decode()
    assert "回答错误" in html
    # A different answer to an answered question is refused with the reason.
    response = client.post(
        "/me/practice/",
        {**form_data([wrong], right_answer), "question": wrong.pk},
        follow=True,
    )
    assert "答案不能再改" in response.content.decode()


def test_the_wrong_answer_book_retry_and_remove(client_for, member, bank):
    client = client_for(member.user)
    client.get("/me/practice/")
    question = bank["single"]
    client.post(
        "/me/practice/",
        {**form_data([question], wrong_answer), "question": question.pk},
    )
    html = client.get("/me/wrong-answers/").content.decode()
    assert question.stem in html and "答错 1 次" in html and "查看答案与解析" in html
    # Not removable before answering right.
    response = client.post(f"/me/wrong-answers/{question.pk}/remove/", follow=True)
    assert "请先把这道题答对" in response.content.decode()
    response = client.post(
        f"/me/wrong-answers/{question.pk}/retry/",
        form_data([question], right_answer),
        follow=True,
    )
    html = response.content.decode()
    assert "回答正确" in html and "从错题本移除" in html
    response = client.post(f"/me/wrong-answers/{question.pk}/remove/", follow=True)
    html = response.content.decode()
    assert "已从错题本中移除" in html and "错题本是空的" in html


def test_contests_list_take_and_results_per_organisation(
    client_for, member, other_member, contest, bank
):
    member.name = "张三丰"
    member.save()
    client = client_for(member.user)
    html = client.get("/me/contests/").content.decode()
    assert "党史知识竞赛" in html and "进行中" in html
    response = client.post(f"/me/contests/{contest.pk}/")
    assert response.status_code == 302
    attempt_url = response["Location"]
    client.post(
        attempt_url,
        {**form_data(bank.values(), right_answer), "action": "submit"},
    )
    html = client.get(f"/me/contests/{contest.pk}/").content.decode()
    assert "我的成绩" in html and "100" in html
    assert "各组织参赛情况" in html and "个人排名" not in html
    # Another member sees the organisations' figures, never this member's name.
    other = client_for(other_member.user).get(f"/me/contests/{contest.pk}/")
    html = other.content.decode()
    assert "各组织参赛情况" in html and member.name not in html
    assert "开始答题" in html
    # One participant: the organisation's average would be this member's score.
    assert "<td>100.0%</td><td>不公布</td>" in html  # took part; average withheld
    assert "参赛不足 3 人的组织不公布平均分" in html
    # A second attempt is refused with the reason.
    response = client.post(f"/me/contests/{contest.pk}/")
    assert response.status_code == 409
    assert "每人只能参加一次" in response.content.decode()


def test_the_ranking_only_when_the_organiser_made_it_public(
    client_for, member, other_member, contest, bank
):
    contest.ranking_public = True
    contest.save()
    member.name = "张三丰"
    member.save()
    client = client_for(member.user)
    url = client.post(f"/me/contests/{contest.pk}/")["Location"]
    client.post(url, {"action": "submit", "confirm": "1"})
    html = client_for(other_member.user).get(f"/me/contests/{contest.pk}/")
    assert "个人排名" in html.content.decode()
    assert member.name in html.content.decode()


def test_a_contest_outside_the_members_organisation_is_not_found(
    client_for, member, tree, bank
):
    paper = fixed_quiz(None, [bank["single"]], title="试卷", kind=Quiz.Kind.CONTEST)
    now = factories_now()
    elsewhere = OnlineContest.objects.create(
        title="二街道竞赛",
        organisation=tree["sub2"],
        quiz=paper,
        opens_at=now,
        closes_at=now + timedelta(hours=1),
    )
    client = client_for(member.user)
    assert "二街道竞赛" not in client.get("/me/contests/").content.decode()
    assert client.get(f"/me/contests/{elsewhere.pk}/").status_code == 404


def test_the_host_screen_is_for_the_host_only(client_for, member, editor, live):
    contest = live["contest"]
    url = f"/live/{contest.pk}/host/"
    assert client_for(member.user).get(url).status_code == 403
    host = client_for(editor)
    html = host.get(url).content.decode()
    assert live["team"].join_code in html and "qr.png" in html
    # Without script the button posts; the contest moves one step.
    response = host.post(url, {"version": contest.version}, follow=True)
    assert response.status_code == 200
    contest.refresh_from_db()
    assert contest.phase == "ready"
    # A stale screen's click is refused with the reason.
    html = host.post(url, {"version": 0}, follow=True).content.decode()
    assert "比赛状态已经变化" in html


def test_the_archive_partial_lists_the_members_attempts(client_for, member, quiz, bank):
    client = client_for(member.user)
    client.post(
        start(client, quiz),
        {**form_data(bank.values(), right_answer), "action": "submit"},
    )
    request = RequestFactory().get("/me/archive/")
    request.user = member.user
    html = render_to_string(
        "themes/default/_assessment_archive.html",
        {"portal_member": member},
        request=request,
    )
    assert quiz.title in html and "100.00" in html and "及格" in html


def test_a_contest_handed_in_leaves_the_wrong_answer_book_empty(
    client_for, member, contest, bank
):
    """The leak reported: the book listed the contest's questions with their keys,
    so the next player scored 100."""
    client = client_for(member.user)
    attempt_url = client.post(f"/me/contests/{contest.pk}/")["Location"]
    client.post(attempt_url, {**form_data(bank.values(), wrong_answer),
                              "action": "submit"})  # fmt: skip
    html = client.get("/me/wrong-answers/").content.decode()
    assert "错题本是空的" in html
    for question in bank.values():
        assert question.stem not in html
    assert "广州市" not in html and "会议在上海开幕" not in html
    result = client.get(attempt_url).content.decode()
    assert "本次作答不显示答案与解析" in result and "广州市" not in result


def test_a_book_entry_a_contest_may_draw_shows_no_key_and_cannot_be_retried(
    client_for, member, bank, contest
):
    question = bank["multiple"]
    services.wrong_answer_note(
        member=member, question_id=question.pk, correct=False, now=timezone.now()
    )
    client = client_for(member.user)
    html = client.get("/me/wrong-answers/").content.decode()
    assert question.stem in html and "答错 1 次" in html
    assert "查看答案与解析" not in html and "会议在上海开幕" not in html
    assert "暂不显示答案与解析" in html
    assert f"/me/wrong-answers/{question.pk}/retry/" not in html
    response = client.post(
        f"/me/wrong-answers/{question.pk}/retry/",
        form_data([question], right_answer),
        follow=True,
    )
    html = response.content.decode()
    assert "尚未结束的竞赛" in html and "回答正确" not in html


def test_a_quiz_that_hides_its_answers_leaves_them_out_of_the_book(
    client_for, member, lesson, bank
):
    hidden = fixed_quiz(lesson, list(bank.values()), show_explanations=False)
    client = client_for(member.user)
    attempt_url = start(client, hidden)
    client.post(attempt_url, {**form_data(bank.values(), wrong_answer),
                              "action": "submit"})  # fmt: skip
    html = client.get("/me/wrong-answers/").content.decode()
    assert "错题本是空的" in html and "广州市" not in html


def test_the_contest_page_gives_no_score_by_subtraction(
    client_for, member, contest, tree
):
    """Four took part in S1 (25 each), one in S2 (50): a visible S1 average next
    to the total would give S2's member by subtraction."""

    def hand_in(organisation, score):
        someone = factories.member(organisation=organisation)
        now = timezone.now()
        QuizAttempt.objects.create(
            quiz=contest.quiz, member=someone, number=1,
            status=QuizAttempt.Status.SUBMITTED, started_at=now, deadline=now,
            closed_at=now, elapsed_seconds=60, question_count=4,
            correct_count=score // 25, score=Decimal(score), passed=score >= 60,
        )  # fmt: skip

    for _ in range(4):
        hand_in(tree["branch1"], 25)
    hand_in(tree["branch2"], 50)
    client = client_for(member.user)
    html = client.get(f"/me/contests/{contest.pk}/").content.decode()
    # Open: no averages at all, so nothing to compare after the next hand-in.
    assert "竞赛结束（" in html and "后公布各组织平均分" in html
    assert "<td>30.0</td>" not in html and "<td>25.0</td>" not in html
    contest.closes_at = timezone.now() - timedelta(minutes=1)
    contest.save()
    html = client.get(f"/me/contests/{contest.pk}/").content.decode()
    rows = re.findall(
        r'<tr(?: class="total")?><th scope="row">(.*?)</th>(.*?)</tr>', html
    )
    cells = {name: re.findall(r"<td>(.*?)</td>", rest) for name, rest in rows}
    assert cells["合计"][-1] == "30.0"
    assert cells[tree["sub1"].name][-1] == "不公布"
    assert cells[tree["sub2"].name][-1] == "不公布"
    assert "必要时另一个组织或合计也不公布" in html
