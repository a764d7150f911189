"""Hall screens in the browser at 1920×1080 and 1280×720: nothing below the fold;
the check-in screen's count follows a check-in made through the API without a
reload, and its QR code, read from the rendered pixels with zxing-cpp, is a portal
URL that checks a phone in (signed in, or after signing in); the live contest's
host screen keeps question, options A–D, timer, scoreboard and controls in view,
drops the join codes once play starts and ends on a winner screen, and a team's
QR code read off it joins a signed-in phone. axe on each screen."""

# ruff: noqa: F811 — pytest fixtures imported from tests/assessment/conftest.py
from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import urlsplit

import zxingcpp
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from assessment.models import LiveContest, LiveContestItem, LiveDevice, LiveTeam
from learning import services as learning_services
from learning.models import Attendance, TrainingClass, TrainingSession
from tests import factories

# The assessment area's fixtures, used here by name.
from tests.assessment.conftest import (  # noqa: F401
    bank,
    lesson,
    make_question,
)
from tests.e2e.conftest import PHONE, SCREENSHOTS, axe_violations, follow, sign_in

HALL = {"width": 1920, "height": 1080}
SMALL_HALL = {"width": 1280, "height": 720}


def fits(page) -> None:
    """Nothing below the fold, nothing beside it."""
    size = page.evaluate(
        "({h: document.documentElement.scrollHeight, ih: innerHeight,"
        " w: document.documentElement.scrollWidth, iw: innerWidth})"
    )
    assert size["h"] <= size["ih"], size
    assert size["w"] <= size["iw"], size


def in_view(page, locator) -> None:
    """Shown, and wholly inside the viewport (waiting for the screen's first poll
    to fill it: a part still empty measures 0×0)."""
    expect(locator).to_be_visible()
    box = locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; }"
    )
    assert box["width"] > 0 and box["height"] > 0, box
    viewport = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box


def read_qr(locator, name: str) -> str:
    """The text of the QR code as the screen draws it (a screenshot of the image)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    locator.screenshot(path=str(path))
    found = zxingcpp.read_barcodes(Image.open(path))
    assert len(found) == 1, f"{len(found)} QR codes in {path}"
    return found[0].text


def portal_path(url: str, live_server) -> str:
    """The decoded URL is the portal's (https on its host); the path to open on the
    test's plain-http server."""
    parts = urlsplit(url)
    assert parts.scheme == "https", url
    assert parts.netloc == urlsplit(live_server.url).netloc, url
    return f"{parts.path}?{parts.query}"


def new_phone(chromium, live_server):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN")
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    phone.base = live_server.url
    return context, phone


def fresh_code_wait() -> None:
    """Wait out the end of a 30-s code step, so a code read now lasts the test."""
    step = learning_services.CHECKIN_STEP_SECONDS
    if step - time.time() % step < 10:
        time.sleep(step - time.time() % step + 0.5)


def test_the_session_check_in_screen(
    page, chromium, live_server, editor, member, token_for, tree
):
    klass = TrainingClass.objects.create(
        title="党务骨干培训班", organisation=tree["district"]
    )
    start = timezone.now() - timedelta(minutes=5)
    session = TrainingSession.objects.create(
        training_class=klass,
        title="第一讲：党章学习",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    other = factories.member(organisation=tree["branch1"], username="second")
    fresh_code_wait()
    sign_in(page, "editor")
    page.set_viewport_size(HALL)
    page.goto(f"{page.base}/me/sessions/{session.pk}/screen/")
    expect(page.locator("h1")).to_contain_text("党务骨干培训班")
    code = page.locator("[data-hall-code]")
    expect(code).to_have_text(learning_services.checkin_code(session=session))
    present = page.locator("[data-hall-present]")
    expect(present).to_have_text("0")
    fits(page)
    for part in ("[data-hall-code]", "[data-hall-qr]", ".hall-count"):
        in_view(page, page.locator(part))
    button = page.locator("[data-hall-fullscreen]")
    expect(button).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "hall-checkin-1920.png"))
    url = read_qr(page.locator("[data-hall-qr]"), "hall-checkin-qr")
    path = portal_path(url, live_server)
    assert path.startswith(f"/me/checkin/?session={session.pk}&code=")

    # A member checks in through the API: the screen counts them, no reload.
    page.evaluate("window.__stay = 1")
    api = chromium.new_context()
    try:
        response = api.request.post(
            f"{live_server.url}/api/v3/learning/checkins",
            data=json.dumps({"session": session.pk, "code": code.inner_text().strip()}),
            headers={
                "Authorization": f"Bearer {token_for(other.user)}",
                "Content-Type": "application/json",
            },
        )
        assert response.status == 201, response.text()
    finally:
        api.close()
    expect(present).to_have_text("1", timeout=8_000)
    assert page.evaluate("window.__stay") == 1  # the same page, not reloaded

    # F toggles full screen (the button says so).
    page.keyboard.press("f")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("f")
    expect(button).to_have_attribute("aria-pressed", "false")

    page.set_viewport_size(SMALL_HALL)
    fits(page)
    in_view(page, page.locator("[data-hall-qr]"))
    page.screenshot(path=str(SCREENSHOTS / "hall-checkin-1280.png"))

    # The QR code's URL on a phone: anonymous, it signs in and is checked in.
    context, phone = new_phone(chromium, live_server)
    try:
        phone.goto(f"{phone.base}{path}")
        assert "/login/" in phone.url
        phone.fill("#id_username", "member")
        phone.fill("#id_password", "pass-12345")
        follow(phone, "form.signin button[type=submit]")
        expect(phone.locator(".checkin-done")).to_contain_text("签到成功")
    finally:
        context.close()
    assert Attendance.objects.filter(member=member, session=session).exists()
    expect(present).to_have_text("2", timeout=8_000)
    assert page.problems == []
    page.goto("about:blank")


def test_the_live_contest_host_screen(
    page, chromium, live_server, editor, member, tree, bank
):
    contest = LiveContest.objects.create(
        title="党史知识擂台赛", organisation=tree["district"], hall="区委礼堂"
    )
    first = LiveTeam.objects.create(contest=contest, name="第一支部", sort_order=0)
    LiveTeam.objects.create(contest=contest, name="第二支部", sort_order=1)
    LiveContestItem.objects.create(
        contest=contest,
        question=bank["single"],
        kind="required",
        points=10,
        answer_seconds=60,
    )
    sign_in(page, "editor")
    page.set_viewport_size(HALL)
    page.goto(f"{page.base}/live/{contest.pk}/host/")
    codes = page.locator(".join-code")
    expect(codes).to_have_count(2)
    expect(codes.first).to_have_text(first.join_code)
    fits(page)
    advance = page.locator("[data-live-advance] button")
    in_view(page, advance)
    in_view(page, page.locator("[data-live-teams]"))
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "hall-live-join-1920.png"))
    url = read_qr(page.locator(".hall-join img").first, "hall-live-team-qr")
    path = portal_path(url, live_server)
    assert path == f"/live/join/?code={first.join_code}"

    context, phone = new_phone(chromium, live_server)
    try:
        # The team's QR code opened by a signed-in member's phone joins it.
        sign_in(phone, "member")
        phone.goto(f"{phone.base}{path}")
        phone.wait_for_url(f"**/live/{contest.pk}/")
        expect(phone.locator("[data-live-team]")).to_contain_text("第一支部")
        assert LiveDevice.objects.filter(user=member.user, team=first).count() == 1

        expect(advance).to_have_text("开始比赛")
        advance.click()  # → 读题: the join codes leave the screen and the page
        expect(page.locator("[data-live-phase]")).to_contain_text("读题")
        expect(page.locator(".join-code")).to_have_count(0)
        expect(page.locator("[data-live-join-panel]")).to_have_count(0)
        options = page.locator(".hall-options li")
        expect(options).to_have_count(3)
        expect(page.locator(".hall-letter")).to_have_text(["A", "B", "C"])
        advance.click()  # → 作答中
        timer = page.locator("[data-live-countdown]")
        expect(timer).to_contain_text("秒")
        for part in (".hall-stem", ".hall-options", "[data-live-countdown]",
                     "[data-live-teams]", "[data-live-advance] button"):  # fmt: skip
            in_view(page, page.locator(part))
        fits(page)
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "hall-live-question-1920.png"))
        page.set_viewport_size(SMALL_HALL)
        fits(page)
        in_view(page, advance)
        in_view(page, timer)
        page.screenshot(path=str(SCREENSHOTS / "hall-live-question-1280.png"))
        page.set_viewport_size(HALL)

        phone.get_by_role("button", name="1921年").click()
        expect(phone.locator("[data-live-feedback]")).to_have_text("已提交本队答案")
        expect(page.locator("[data-live-teams] li").first).to_contain_text(
            "已作答", timeout=3_000
        )
        advance.click()  # → 公布答案
        expect(page.locator(".hall-options li.key")).to_contain_text("1921年")
        expect(advance).to_have_text("结束比赛")
        advance.click()  # → 比赛结束: the winner screen
        winner = page.locator("[data-live-winner]")
        expect(winner).to_be_visible()
        expect(winner.locator("h2")).to_contain_text("冠军")
        expect(page.locator("[data-live-champion]")).to_have_text("第一支部")
        expect(page.locator("[data-live-final] li").first).to_have_text(
            "第一支部 10 分"
        )
        expect(page.locator("[data-live-host]")).to_be_hidden()
        fits(page)
        assert axe_violations(page) == []
        page.screenshot(path=str(SCREENSHOTS / "hall-live-winner-1920.png"))
    finally:
        context.close()
    assert page.problems == []
    page.goto("about:blank")  # stop polling before the live server shuts down
