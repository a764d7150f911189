"""The portal's search, check-in and 红色阵地 pages in a real Chromium: search finds a
lesson by pinyin initials, a member checks in with the session's current code, the
sites page draws its map; no script error and no serious accessibility violation."""

from __future__ import annotations

import io
import time
from datetime import timedelta

from django.utils import timezone

from tests import factories
from tests.e2e.conftest import axe_violations, follow, screenshot, sign_in


def _fresh_code(services, session) -> str:
    """The session's code, with enough of its 30-s step left to type and submit it."""
    step = services.CHECKIN_STEP_SECONDS
    if step - time.time() % step < 8:
        time.sleep(step - time.time() % step + 0.5)
    return services.checkin_code(session=session)


# A stand-in camera and QR reader for Chromium builds without them (Linux): the
# camera is a canvas stream, the reader "sees" the payload the test puts on the page.
FAKE_SCANNER = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code"]; }
  async detect() { return window.__qr ? [{ rawValue: window.__qr }] : []; }
};
navigator.mediaDevices.getUserMedia = async () => {
  const canvas = document.createElement("canvas");
  canvas.getContext("2d").fillRect(0, 0, 10, 10);
  return canvas.captureStream();
};
"""


def test_search_finds_a_lesson_by_pinyin_initials(page, home_page):
    from search.services import search_index_rebuild

    area = factories.section(home_page, title="微党课", slug="lessons")
    teacher = factories.lecturer(name="陈明华")
    lesson = factories.lesson(
        area,
        title="党史学习教育",
        summary="学习党的百年奋斗历史，从党史中汲取力量。",
        lecturer=teacher,
    )
    factories.lesson(area, title="新时代基层党建", summary="支部工作方法。")
    factories.course(area, title="党史学习教育专题课程", lessons=[lesson])
    search_index_rebuild(stdout=io.StringIO())

    page.goto(f"{page.base}/search/")
    assert "请输入要查找的内容" in page.inner_text("main")
    page.fill("#search-q", "dsxx")
    follow(page, "form.search-form button[type=submit]")
    assert "q=dsxx" in page.url
    hit = page.locator(".hits a", has_text="党史学习教育").first
    assert hit.get_attribute("href") == lesson.url
    assert page.locator(".hits mark").count() >= 1
    assert page.locator(".search-facets a", has_text="微党课").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "search")

    follow(page, hit)
    assert page.inner_text("h1") == "党史学习教育"
    assert page.problems == []


def test_a_member_checks_in_with_the_current_code(page, member_user, home_page):
    from learning import services
    from learning.models import Attendance, TrainingClass, TrainingSession

    branch = factories.organisation(name="第一党支部")
    member = factories.member(organisation=branch, user=member_user)
    klass = TrainingClass.objects.create(title="党务骨干培训班", organisation=branch)
    start = timezone.now() - timedelta(minutes=5)
    session = TrainingSession.objects.create(
        training_class=klass,
        title="第一讲：党章学习",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )

    sign_in(page, "member")
    page.goto(f"{page.base}/me/checkin/?session={session.pk}")
    assert page.input_value("#checkin-session") == str(session.pk)
    # No camera QR reader in headless Chromium on Linux: the scan button stays hidden.
    has_detector = page.evaluate("'BarcodeDetector' in window")
    assert page.locator("[data-scan]").is_hidden() == (not has_detector)
    assert axe_violations(page) == []

    page.fill("#checkin-code", _fresh_code(services, session))
    follow(page, "form.checkin-form button[type=submit]")
    done = page.locator(".checkin-done")
    assert "签到成功" in done.inner_text()
    assert "第一讲：党章学习" in done.inner_text()
    assert Attendance.objects.filter(member=member, session=session).exists()
    assert axe_violations(page) == []
    screenshot(page, "checkin")
    assert page.problems == []


def test_scanning_the_venue_qr_checks_in(page, member_user, home_page):
    from learning import services
    from learning.models import Attendance, TrainingClass, TrainingSession

    branch = factories.organisation(name="第一党支部")
    member = factories.member(organisation=branch, user=member_user)
    klass = TrainingClass.objects.create(title="党务骨干培训班", organisation=branch)
    start = timezone.now() + timedelta(minutes=10)
    session = TrainingSession.objects.create(
        training_class=klass,
        title="第二讲",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    page.add_init_script(FAKE_SCANNER)
    sign_in(page, "member")
    page.goto(f"{page.base}/me/checkin/")
    scan = page.locator("[data-scan]")
    scan.wait_for(state="visible")
    scan.click()
    assert page.locator("[data-scan-panel]").is_visible()
    code = _fresh_code(services, session)
    qr = f"https://testserver/me/checkin/?session={session.pk}&code={code}&t=1"
    page.evaluate(f"window.__qr = '{qr}'")
    page.wait_for_url("**/me/checkin/?checked_in=*")
    assert "签到成功" in page.inner_text(".checkin-done")
    assert Attendance.objects.filter(member=member, session=session).exists()
    assert page.problems == []


def test_the_sites_page_draws_the_map(page, home_page):
    from cms.models import RedRoute, RedRouteStop, TeachingSitePage

    area = factories.section(home_page, title="现场教学", slug="sites")
    sites = []
    for slug, title, lat, lng, hours in [
        (
            "institute",
            "广州农民运动讲习所旧址",
            23.1282,
            113.2777,
            "周二至周日 9:00–17:00",
        ),
        ("acftu", "中华全国总工会旧址", 23.1307, 113.2637, "周二至周日 9:00–17:00"),
        ("third", "中共三大会址纪念馆", 23.1287, 113.2882, "周二至周日 9:00–17:00"),
        ("uprising", "广州起义烈士陵园", 23.1308, 113.2936, "每日 6:00–21:00"),
    ]:
        site = TeachingSitePage(
            title=title,
            slug=slug,
            address=f"广州市越秀区{title}",
            latitude=lat,
            longitude=lng,
            opening_hours=hours,
            history="<p>革命遗址。</p>",
        )
        area.add_child(instance=site)
        site.save_revision().publish()
        sites.append(site)
    route = RedRoute(name="越秀红色足迹精品线路", description="半日现场教学线路。")
    route.stops = [
        RedRouteStop(site=site, note="参观", sort_order=i)
        for i, site in enumerate(sites)
    ]
    route.save()

    page.goto(f"{page.base}/sites/")
    svg = page.locator("svg.map-svg")
    assert svg.is_visible()
    assert svg.get_attribute("role") == "img"
    box = svg.bounding_box()
    assert box["width"] > 300 and box["height"] > 100
    assert page.locator("svg.map-svg .map-stop").count() == 4
    assert page.locator("svg.map-svg polyline").count() == 1
    assert page.locator(".site-list > li").count() == 4
    assert axe_violations(page) == []
    screenshot(page, "sites")

    follow(page, f"a[href='/sites/routes/{route.pk}/']")
    assert page.inner_text("h1") == "越秀红色足迹精品线路"
    assert page.locator(".route-stops > li").count() == 4
    assert axe_violations(page) == []
    screenshot(page, "route")

    follow(page, ".stop-title:has-text('中共三大会址纪念馆')")
    assert page.inner_text("h1") == "中共三大会址纪念馆"
    assert page.locator("svg.map-svg").is_visible()
    assert page.locator("a[href^='https://uri.amap.com/marker']").count() == 1
    assert axe_violations(page) == []
    screenshot(page, "teaching-site")
    assert page.problems == []
