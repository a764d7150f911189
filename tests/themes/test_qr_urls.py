"""QR codes open pages: the URL rule (dangke.links), and every QR image the
platform draws — a session's and a meeting's check-in screen, the admin's check-in
image, a live contest team's join image — decoded from the PNG with zxing-cpp and
followed as a phone would: signed in it acts at once, anonymous it signs in first
and then acts; an old photo of a rotating code says it expired; a phone that lost
its storage rejoins its team as the same player."""

# ruff: noqa: F811 — pytest fixtures imported from tests/meetings/conftest.py
from __future__ import annotations

import base64
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from django.core.exceptions import DisallowedHost
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assessment.models import LiveContest, LiveDevice, LiveTeam
from dangke.links import portal_origin, portal_url
from learning import services as learning_services
from learning.models import Attendance, TrainingClass, TrainingSession
from meetings.models import Attendee, Meeting
from tests import factories
from tests.meetings.conftest import api, meeting, people  # noqa: F401

pytestmark = pytest.mark.django_db


def decode(png: bytes) -> str:
    """The text of the one QR code in ``png``."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, f"{len(found)} codes in the image"
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def decode_page(html: str) -> str:
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert match, "no QR image on the page"
    return decode(base64.b64decode(match.group(1)))


def local(url: str) -> str:
    """The path and query a test client opens for a portal URL."""
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def sign_in_through(client: Client, response, username: str):
    """An anonymous phone sent to sign in: the sign-in form with its ``next``,
    and where the portal sends it afterwards."""
    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == "/login/"
    assert client.get(response["Location"]).status_code == 200
    target = parse_qs(login.query)["next"][0]
    signed_in = client.post(
        "/login/",
        {"username": username, "password": "pass-12345", "next": target},
    )
    assert signed_in.status_code == 302
    return signed_in["Location"]


# --- the rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("debug", "secure", "expected"),
    [
        (False, False, "https://portal.example.cn"),  # TLS ends at the proxy
        (False, True, "https://portal.example.cn"),
        (True, False, "http://portal.example.cn"),  # runserver in development
        (True, True, "https://portal.example.cn"),
    ],
)
def test_the_origin_is_the_requests_host_over_https_but_in_plain_development(
    settings, debug, secure, expected
):
    settings.DEBUG = debug
    settings.ALLOWED_HOSTS = ["portal.example.cn"]
    request = RequestFactory().get("/", HTTP_HOST="portal.example.cn", secure=secure)
    assert portal_origin(request=request) == expected


def test_without_a_request_the_base_url_setting_decides(settings):
    settings.WAGTAILADMIN_BASE_URL = "http://dangke.example.cn:8443"
    settings.DEBUG = False
    assert portal_origin() == "https://dangke.example.cn:8443"
    settings.DEBUG = True
    assert portal_origin() == "http://dangke.example.cn:8443"
    settings.WAGTAILADMIN_BASE_URL = "https://dangke.example.cn"
    assert portal_origin() == "https://dangke.example.cn"


def test_a_portal_url_takes_a_path_and_encodes_its_query(settings):
    settings.DEBUG = False
    request = RequestFactory().get("/")
    url = portal_url("/live/join/", request=request, query={"code": "AB CD", "t": 3})
    assert url == "https://testserver/live/join/?code=AB+CD&t=3"
    with pytest.raises(ValueError, match="path"):
        portal_url("live/join/", request=request)
    evil = RequestFactory().get("/", HTTP_HOST="evil.example.com")
    with pytest.raises(DisallowedHost):
        portal_url("/live/join/", request=evil)


# --- training sessions ------------------------------------------------------------


@pytest.fixture
def session(tree):
    klass = TrainingClass.objects.create(
        title="党务骨干培训班", organisation=tree["district"]
    )
    start = timezone.now() - timedelta(minutes=5)
    return TrainingSession.objects.create(
        training_class=klass,
        title="第一讲",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )


def test_the_session_screens_qr_checks_in_a_signed_in_member(
    clock, session, member, editor, client_for
):
    screen = client_for(editor).get(f"/me/sessions/{session.pk}/screen/")
    assert screen.status_code == 200
    url = decode_page(screen.content.decode())
    code = learning_services.checkin_code(session=session)
    assert url == (
        f"https://testserver/me/checkin/?session={session.pk}&code={code}"
        f"&t={learning_services.checkin_step()}"
    )
    phone = client_for(member.user)
    done = phone.get(local(url))
    assert done.status_code == 302
    assert done["Location"] == f"/me/checkin/?checked_in={session.pk}"
    assert "签到成功" in phone.get(done["Location"]).content.decode()
    assert Attendance.objects.filter(member=member, session=session).count() == 1
    # the screen's count (its JSON, as hall.js polls it) has the member
    state = client_for(editor).get(
        f"/me/sessions/{session.pk}/screen/", HTTP_ACCEPT="application/json"
    )
    assert state.json()["present"] == 1 and state.json()["code"] == code
    assert "no-store" in state["Cache-Control"]


def test_an_anonymous_phone_signs_in_and_is_checked_in(clock, session, member, editor):
    host = Client()
    host.force_login(editor)
    url = decode_page(host.get(f"/me/sessions/{session.pk}/screen/").content.decode())
    phone = Client()
    back_to = sign_in_through(phone, phone.get(local(url)), "member")
    assert back_to == local(url)
    done = phone.get(back_to)
    assert done.status_code == 302 and "checked_in" in done["Location"]
    assert Attendance.objects.filter(member=member, session=session).exists()


def test_a_photo_of_an_old_qr_code_says_it_expired(
    clock, session, member, editor, client_for
):
    url = decode_page(
        client_for(editor).get(f"/me/sessions/{session.pk}/screen/").content.decode()
    )
    clock(15 * 60)  # half an hour of codes later: beyond the service's own memory
    refused = client_for(member.user).get(local(url))
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "这个二维码已过期" in html and "请扫描现场屏幕上最新的二维码" in html
    assert not Attendance.objects.exists()
    # a made-up code in the same URL is just wrong
    wrong = local(url).replace("code=", "code=9").replace("&t=", "0&t=")
    answer = client_for(member.user).get(wrong).content.decode()
    assert "签到码" in answer and "已过期" not in answer


def test_the_admins_qr_image_holds_the_same_url(clock, session, editor, client_for):
    image = client_for(editor).get(reverse("learning_checkin_qr", args=[session.pk]))
    assert image["Content-Type"] == "image/png"
    url = decode(image.content)
    assert local(url).startswith(f"/me/checkin/?session={session.pk}&code=")
    screen = client_for(editor).get(reverse("learning_checkin", args=[session.pk]))
    text = screen.content.decode()
    assert (
        "App" not in text.replace("Application", "")
        and f"/me/sessions/{session.pk}/screen/" in text
    )


def test_the_session_screen_is_only_for_those_who_may_show_its_code(
    session, member, client_for, tree
):
    assert client_for(member.user).get(
        f"/me/sessions/{session.pk}/screen/"
    ).status_code == (404)
    outsider = factories.org_admin(organisation=tree["sub2"], username="s2admin")
    assert (
        client_for(outsider).get(f"/me/sessions/{session.pk}/screen/").status_code
        == 404
    )


# --- meetings ----------------------------------------------------------------------


def test_the_meeting_screens_qr_checks_in(clock, people, meeting, client_for):
    record = Meeting.objects.get(pk=meeting["id"])
    clock((record.starts_at - timezone.now()).total_seconds() + 60)
    state = client_for(people["host"].user).get(
        f"/me/meetings/{record.pk}/screen/", HTTP_ACCEPT="application/json"
    )
    body = state.json()
    url = decode(base64.b64decode(body["qr_png"]))
    assert (
        url
        == body["url"]
        == (f"https://testserver/me/meetings/{record.pk}/?code={body['code']}")
    )
    assert body["present"] == 0 and body["expected"] == 5
    done = client_for(people["plain"].user).get(local(url))
    assert done.status_code == 302 and done["Location"].endswith("?done=checkin")
    attendee = Attendee.objects.get(meeting=record, member=people["plain"])
    assert attendee.attendance == "code"
    again = client_for(people["host"].user).get(
        f"/me/meetings/{record.pk}/screen/", HTTP_ACCEPT="application/json"
    )
    assert again.json()["present"] == 1


# --- live contests ----------------------------------------------------------------


@pytest.fixture
def contest(tree):
    contest = LiveContest.objects.create(
        title="党史擂台赛", organisation=tree["district"]
    )
    first = LiveTeam.objects.create(contest=contest, name="第一支部", sort_order=0)
    second = LiveTeam.objects.create(contest=contest, name="第二支部", sort_order=1)
    return contest, first, second


def team_url(client: Client, contest, team) -> str:
    image = client.get(
        reverse("wagtailapi_v3:assessment_live_team_qr", args=[contest.pk, team.pk])
    )
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    return decode(image.content)


def test_a_teams_qr_joins_and_a_phone_that_lost_its_storage_rejoins(
    contest, editor, member, client_for
):
    contest, first, second = contest
    url = team_url(client_for(editor), contest, first)
    assert url == f"https://testserver/live/join/?code={first.join_code}"

    phone = client_for(member.user)
    joined = phone.get(local(url))
    assert joined.status_code == 200
    html = joined.content.decode()
    assert "data-live-joined" in html and "已加入“第一支部”" in html
    token = re.search(r'data-token="([^"]+)"', html).group(1)
    device = LiveDevice.objects.get(user=member.user)
    assert device.team == first

    # The phone's storage is gone (a new browser), the member signs in and scans.
    again = Client()
    back_to = sign_in_through(again, again.get(local(url)), "member")
    rejoined = again.get(back_to)
    assert (
        rejoined.status_code == 200 and "已加入“第一支部”" in rejoined.content.decode()
    )
    assert LiveDevice.objects.filter(team__contest=contest).count() == 1
    assert LiveDevice.objects.get(pk=device.pk).team == first
    # the lost token no longer works; the new one does
    state = f"/api/v3/assessment/live/{contest.pk}/state"
    assert Client().get(state, HTTP_X_DEVICE_TOKEN=token).status_code == 401
    new_token = re.search(r'data-token="([^"]+)"', rejoined.content.decode()).group(1)
    assert Client().get(state, HTTP_X_DEVICE_TOKEN=new_token).status_code == 200

    # the other team's QR code does not make the member a player twice
    other = phone.get(local(team_url(client_for(editor), contest, second)))
    assert other.status_code == 409
    assert "您已加入本场比赛的“第一支部”" in other.content.decode()
    assert LiveDevice.objects.filter(team__contest=contest).count() == 1


def test_a_finished_contests_qr_says_so(contest, editor, member, client_for):
    contest, first, _ = contest
    url = team_url(client_for(editor), contest, first)
    contest.status = LiveContest.Status.FINISHED
    contest.save()
    refused = client_for(member.user).get(local(url))
    assert refused.status_code == 404
    assert "加入码无效，或比赛已经结束" in refused.content.decode()
    assert not LiveDevice.objects.exists()
