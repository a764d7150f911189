"""In the browser: a member takes a lesson quiz (answers saved as given, kept over a
reload) and passes; today's practice; a live contest where the host advances a 抢答
question and a phone answers it. axe on every page."""

# ruff: noqa: F811 — pytest fixtures imported from tests/assessment/conftest.py
from __future__ import annotations

from playwright.sync_api import expect

from assessment.models import LiveContest, LiveContestItem, LiveTeam, QuizAttempt

# The assessment area's fixtures, used here by name.
from tests.assessment.conftest import (  # noqa: F401
    _fresh_attempt_sheets,
    bank,
    lesson,
    make_question,
    quiz,
)
from tests.e2e.conftest import PHONE, axe_violations, follow, screenshot, sign_in

SAVED = "已保存"


def _option(question, correct: bool = True) -> int:
    return next(o.pk for o in question.options.all() if o.correct is correct)


def test_a_member_takes_a_lesson_quiz_and_passes(page, member, quiz, bank, lesson):
    sign_in(page, "member")
    page.goto(f"{page.base}{lesson.url}")
    page.click(f"a[href='/me/quizzes/{quiz.pk}/']")
    expect(page.locator("h1")).to_contain_text("课后测验")
    assert axe_violations(page) == []
    page.click("button:has-text('开始作答')")
    page.wait_for_url("**/me/attempts/*/")
    expect(page.locator("[data-countdown-text]")).to_contain_text(":")

    single, multiple = bank["single"], bank["multiple"]
    page.check(f"#q{single.pk}-o{_option(single)}")
    for option in multiple.options.filter(correct=True):
        page.check(f"#q{multiple.pk}-o{option.pk}")
    page.check(f"#q{bank['true_false'].pk}-t")
    page.fill(f"#q{bank['fill_blank'].pk}-text", "广州")
    for question in bank.values():
        expect(page.locator(f"#q{question.pk} [data-save-status]")).to_have_text(SAVED)
    assert axe_violations(page) == []
    screenshot(page, "quiz")

    page.reload()
    assert page.is_checked(f"#q{single.pk}-o{_option(single)}")
    assert page.is_checked(f"#q{bank['true_false'].pk}-t")
    assert page.input_value(f"#q{bank['fill_blank'].pk}-text") == "广州"
    attempt = QuizAttempt.objects.get(member=member)
    assert attempt.questions.filter(answer__isnull=False).count() == 4

    follow(page, "[data-submit]")
    result = page.locator(".result")
    expect(result).to_contain_text("100.00")
    expect(result).to_contain_text("及格")
    expect(page.locator("body")).to_contain_text("会议在上海开幕")
    assert axe_violations(page) == []
    attempt.refresh_from_db()
    assert attempt.passed and attempt.status == "submitted"

    # The result counts: the quiz page lists it, and so does the learning archive.
    page.goto(f"{page.base}/me/quizzes/{quiz.pk}/")
    expect(page.locator("table")).to_contain_text("及格")
    page.goto(f"{page.base}/me/archive/")
    expect(page.locator(".assessment-archive")).to_contain_text(quiz.title)
    expect(page.locator(".assessment-archive")).to_contain_text("100.00")

    # Today's practice: answered, then right/wrong and the explanation.
    page.goto(f"{page.base}/me/practice/")
    true_false = bank["true_false"]
    page.check(f"#q{true_false.pk}-t")
    follow(page, page.locator(f"form.practice-form:has(#q{true_false.pk}-t) button"))
    expect(page.locator(f"#q{true_false.pk}")).to_contain_text("回答正确")
    assert axe_violations(page) == []
    screenshot(page, "practice")
    assert page.problems == []


def test_a_live_contest_host_and_phone(page, chromium, editor, tree, bank, live_server):
    contest = LiveContest.objects.create(
        title="党史擂台赛", organisation=tree["district"], hall="区委礼堂"
    )
    team = LiveTeam.objects.create(contest=contest, name="第一支部", sort_order=0)
    LiveTeam.objects.create(contest=contest, name="第二支部", sort_order=1)
    single = bank["single"]
    LiveContestItem.objects.create(
        contest=contest, question=single, kind="buzzer", points=10, answer_seconds=60
    )

    sign_in(page, "editor")
    page.goto(f"{page.base}/live/{contest.pk}/host/")
    expect(page.locator(".hall-join")).to_contain_text(team.join_code)
    assert axe_violations(page) == []

    phone_context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    try:
        phone = phone_context.new_page()
        phone.set_default_timeout(15_000)
        phone.base = live_server.url
        problems: list[str] = []
        phone.on("pageerror", lambda error: problems.append(str(error)))
        phone.goto(f"{phone.base}/live/join/")
        assert axe_violations(phone) == []
        phone.fill("#live-code", team.join_code.lower())
        phone.click("form[data-live-join] button[type=submit]")
        phone.wait_for_url(f"**/live/{contest.pk}/")
        expect(phone.locator("[data-live-team]")).to_contain_text("第一支部")

        # The join changed the contest's state; the host screen catches up by
        # polling before the host acts (a stale screen's click is refused).
        contest.refresh_from_db()
        version = page.locator("[data-live-version]")
        expect(version).to_have_value(str(contest.version), timeout=2_000)
        advance = page.locator("[data-live-advance] button")
        expect(advance).to_have_text("开始比赛")
        advance.click()  # → 读题
        expect(advance).to_have_text("开始作答")
        expect(phone.locator("[data-live-phase]")).to_contain_text("读题")
        advance.click()  # → 作答中
        expect(page.locator("[data-live-countdown]")).to_contain_text("秒")
        answer = phone.get_by_role("button", name="1921年")
        expect(answer).to_be_visible(timeout=5_000)
        assert axe_violations(phone) == []
        answer.click()
        expect(phone.locator("[data-live-feedback]")).to_have_text("已提交本队答案")
        # The host screen learns of the answer by polling, within a second or two.
        teams = page.locator("[data-live-teams]")
        expect(teams.locator("li").first).to_contain_text("已作答", timeout=2_000)
        screenshot(phone, "contest-phone")

        advance.click()  # → 公布答案
        expect(teams.locator("li").first).to_contain_text("10", timeout=2_000)
        expect(page.locator("[data-live-question]")).to_contain_text("正确答案")
        expect(phone.locator("[data-live-actions]")).to_contain_text(
            "回答正确", timeout=2_000
        )
        expect(phone.locator("[data-live-team]")).to_contain_text("本队得分 10")
        assert axe_violations(page) == []
        screenshot(page, "contest-host")
        assert problems == []
    finally:
        phone_context.close()
    assert page.problems == []
    page.goto("about:blank")  # stop polling before the live server shuts down


LONG_STEM = (
    "根据《中国共产党章程》关于党的基层组织的规定，"
    "Supercalifragilisticexpialidociousorganisationalresponsibilities"
    "党支部委员会每届任期几年？"
    "党的基层组织党的基层组织党的基层组织党的基层组织党的基层组织"
)


def test_hand_in_asks_first_and_long_titles_stay_in_their_cards_at_375(
    page, member, lesson, bank, make_question
):
    """交卷 with unanswered questions asks in a dialog naming how many (继续作答
    keeps the attempt open); a long stem wraps inside its card on a phone."""
    from tests.assessment.conftest import fixed_quiz, single

    long_one = make_question(single(LONG_STEM), page=lesson)
    quiz = fixed_quiz(lesson, [long_one, *bank.values()], time_limit_minutes=10)
    page.set_viewport_size(PHONE)
    sign_in(page, "member")
    page.goto(f"{page.base}/me/quizzes/{quiz.pk}/")
    follow(page, "button:has-text('开始作答')")
    single_q = bank["single"]
    page.check(f"#q{single_q.pk}-o{_option(single_q)}")
    expect(page.locator(f"#q{single_q.pk} [data-save-status]")).to_have_text(SAVED)

    # Every question title lies inside its card (the fieldset's border box).
    for fieldset in page.locator("fieldset.question").all():
        box = fieldset.evaluate(
            """(el) => {
              const card = el.getBoundingClientRect();
              const legend = el.querySelector("legend").getBoundingClientRect();
              const style = getComputedStyle(el);
              return {card: [card.left, card.top, card.right, card.bottom],
                      legend: [legend.left, legend.top, legend.right, legend.bottom],
                      border: parseFloat(style.borderTopWidth),
                      width: document.documentElement.clientWidth};
            }"""
        )
        left, top, right, bottom = box["card"]
        l_left, l_top, l_right, l_bottom = box["legend"]
        assert right <= box["width"], box
        assert l_left >= left + box["border"], box
        assert l_right <= right - box["border"], box
        assert l_top >= top + box["border"], box
        assert l_bottom <= bottom - box["border"], box
    screenshot(page, "quiz-long-title")

    dialog = page.locator("[data-hand-in-dialog]")
    page.click("[data-submit]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("还有 4 题未作答，确定交卷吗？")
    assert axe_violations(page) == []
    page.click("[data-hand-in-dialog] button:has-text('继续作答')")
    expect(dialog).to_be_hidden()
    attempt = QuizAttempt.objects.get(member=member, quiz=quiz)
    assert attempt.status == "open"

    page.click("[data-submit]")
    expect(dialog).to_be_visible()
    follow(page, "[data-hand-in-dialog] button:has-text('交卷')")
    expect(page.locator(".result")).to_contain_text("20.00")
    attempt.refresh_from_db()
    assert attempt.status == "submitted" and attempt.correct_count == 1
    assert page.problems == []
