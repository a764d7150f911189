"""签到: only signed-in members check in, with the session's current code; the form
lists the sessions open now, refusals show learning's message, wrong codes are
rate-limited like the API's, and the page keeps the portal's policy."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from learning import services
from learning.models import Attendance, CreditRecord, TrainingClass, TrainingSession
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/me/checkin/"


class Tags(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_script = False
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_script = True

    def options(self) -> dict[str, dict]:
        return {attrs["value"]: attrs for tag, attrs in self.tags if tag == "option"}


@pytest.fixture
def organisation(db):
    return factories.organisation(kind="branch", name="第一党支部")


@pytest.fixture
def member(organisation, member_user):
    return factories.member(organisation=organisation, user=member_user)


@pytest.fixture
def training_class(organisation):
    return TrainingClass.objects.create(
        title="党务骨干培训班", organisation=organisation
    )


def make_session(training_class, title, *, starts_in_minutes, hours=2, credit="1.5"):
    start = timezone.now() + timedelta(minutes=starts_in_minutes)
    return TrainingSession.objects.create(
        training_class=training_class,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        credit_hours=credit,
    )


@pytest.fixture
def sessions(training_class, clock):
    return {
        "open": make_session(training_class, "第一讲", starts_in_minutes=-10),
        "soon": make_session(training_class, "第二讲", starts_in_minutes=20),
        "later": make_session(training_class, "第三讲", starts_in_minutes=24 * 60),
        "over": make_session(training_class, "开班式", starts_in_minutes=-300),
    }


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/me/checkin/")
    assert client.post(URL, {"session": 1, "code": "123456"}).status_code == 302


def test_a_non_member_gets_a_clear_message(client_for, editor, sessions):
    client = client_for(editor)
    response = client.get(URL)
    assert response.status_code == 403
    assert "当前账号不是党员，无法签到" in response.content.decode()
    code = services.checkin_code(session=sessions["open"])
    response = client.post(URL, {"session": sessions["open"].pk, "code": code})
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_the_form_lists_the_sessions_open_now(client_for, member, sessions):
    response = client_for(member.user).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    options = Tags(html).options()
    assert str(sessions["open"].pk) in options
    assert str(sessions["soon"].pk) in options  # within 30 minutes of its start
    assert str(sessions["later"].pk) not in options
    assert str(sessions["over"].pk) not in options
    assert "党务骨干培训班 · 第一讲" in html
    # The policy: scripts from our files only, the scanner's module among them.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    parsed = Tags(html)
    assert not parsed.inline_script
    scripts = [attrs["src"] for tag, attrs in parsed.tags if tag == "script"]
    assert any(src.endswith("themes/js/checkin.js") for src in scripts)
    # The scan button is hidden until the script finds a QR-capable camera API.
    (scan,) = [a for t, a in parsed.tags if t == "button" and "data-scan" in a]
    assert "hidden" in scan


def test_a_link_preselects_its_session(client_for, member, sessions):
    client = client_for(member.user)
    html = client.get(URL, {"session": sessions["soon"].pk}).content.decode()
    assert "selected" in Tags(html).options()[str(sessions["soon"].pk)]
    later = client.get(URL, {"session": sessions["later"].pk}).content.decode()
    assert "当前不在签到时间内" in later


def test_the_current_code_checks_in_and_shows_the_record(client_for, member, sessions):
    client = client_for(member.user)
    session = sessions["open"]
    code = services.checkin_code(session=session)
    response = client.post(URL, {"session": session.pk, "code": code})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?checked_in={session.pk}"
    attendance = Attendance.objects.get(member=member, session=session)
    assert CreditRecord.objects.filter(member=member, source_id=session.pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "签到成功" in html
    assert "党务骨干培训班" in html and "第一讲" in html
    assert "1.50" in html
    local = timezone.localtime(attendance.checked_in_at)
    assert local.strftime("%H:%M:%S") in html


def test_refusals_show_learnings_message(client_for, member, sessions, clock):
    client = client_for(member.user)
    session = sessions["open"]
    code = services.checkin_code(session=session)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(URL, {"session": session.pk, "code": wrong})
    assert response.status_code == 400
    html = response.content.decode()
    assert "签到码错误" in html and 'role="alert"' in html
    # The session stays chosen for the next try.
    assert "selected" in Tags(html).options()[str(session.pk)]

    clock(95)  # three steps later the old code has expired
    response = client.post(URL, {"session": session.pk, "code": code})
    assert "签到码已过期，请扫描屏幕上最新的签到码" in response.content.decode()

    later = sessions["later"]
    response = client.post(
        URL, {"session": later.pk, "code": services.checkin_code(session=later)}
    )
    assert "签到尚未开始" in response.content.decode()
    response = client.post(URL, {"session": 999999, "code": "123456"})
    assert "请选择要签到的课次" in response.content.decode()
    response = client.post(URL, {"session": session.pk, "code": ""})
    assert "请输入签到码" in response.content.decode()
    assert not Attendance.objects.exists()


def test_wrong_codes_are_rate_limited(client_for, member, sessions, settings):
    settings.LEARNING_CHECKINS_PER_MINUTE = 3
    client = client_for(member.user)
    session = sessions["open"]
    code = services.checkin_code(session=session)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert (
            client.post(URL, {"session": session.pk, "code": wrong}).status_code == 400
        )
    blocked = client.post(URL, {"session": session.pk, "code": code})
    assert blocked.status_code == 429
    assert "签到尝试过于频繁" in blocked.content.decode()
    assert not Attendance.objects.exists()


def test_the_only_open_session_is_chosen_and_upcoming_ones_are_listed(
    client_for, member, training_class, clock
):
    only = make_session(training_class, "第一讲", starts_in_minutes=-10)
    later = make_session(training_class, "第三讲", starts_in_minutes=24 * 60)
    html = client_for(member.user).get(URL).content.decode()
    options = Tags(html).options()
    assert "selected" in options[str(only.pk)]
    assert str(later.pk) not in options
    upcoming = html[html.index("即将开始的课次") :]
    local = timezone.localtime(later.starts_at)
    assert "党务骨干培训班 · 第三讲" in upcoming
    assert f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}" in upcoming


def test_two_open_sessions_are_left_to_choose(client_for, member, sessions):
    html = client_for(member.user).get(URL).content.decode()
    options = Tags(html).options()
    assert not any("selected" in attrs for attrs in options.values() if attrs["value"])


def test_no_code_box_when_nothing_is_open(client_for, member, training_class, clock):
    make_session(training_class, "第三讲", starts_in_minutes=24 * 60)
    html = client_for(member.user).get(URL).content.decode()
    assert 'name="code"' not in html and "data-checkin-form" not in html
    assert "当前没有开放签到的课次" in html
    assert "第三讲" in html
