"""The portal's frame: sign-in (with its limit), 长辈模式, themes per Site, the
Content-Security-Policy, and what a member sees of their own records only."""

from __future__ import annotations

import re

import pytest
from wagtail.models import Site

from tests import factories
from themes.contrast import MIN_TEXT_CONTRAST, contrast_ratio
from themes.models import PortalTheme
from themes.registry import THEMES


def test_sign_in_and_out(client, member_user, home_page):
    page = client.get("/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    wrong = client.post("/login/", {"username": "member", "password": "nope"})
    assert "用户名或密码不正确" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    right = client.post(
        "/login/",
        {"username": "member", "password": "pass-12345", "next": "/me/archive/"},
    )
    assert right.status_code == 302 and right["Location"] == "/me/archive/"
    assert client.session["_auth_user_id"] == str(member_user.pk)
    out = client.post("/logout/")
    assert out.status_code == 302 and "_auth_user_id" not in client.session


def test_sign_in_never_redirects_off_site(client, member_user, home_page):
    answer = client.post(
        "/login/",
        {
            "username": "member",
            "password": "pass-12345",
            "next": "https://evil.example/",
        },
    )
    assert answer["Location"] == "/"


def test_guessing_passwords_is_stopped(client, member_user, home_page, settings):
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 3
    for _ in range(3):
        client.post("/login/", {"username": "member", "password": "guess"})
    blocked = client.post("/login/", {"username": "member", "password": "pass-12345"})
    assert blocked.status_code == 429
    assert "过于频繁" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_member_pages_send_anonymous_visitors_to_sign_in(client, db, home_page):
    for url in ("/me/archive/",):
        answer = client.get(url)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/login/?next=")


def test_a_member_sees_only_their_own_archive(client_for, db, home_page):
    branch = factories.organisation(name="第一党支部")
    mine = factories.member(organisation=branch, username="lihong")
    factories.member(organisation=branch, username="wangqiang")
    page = client_for(mine.user).get("/me/archive/").content.decode()
    assert "lihong" in page
    assert "wangqiang" not in page


def test_a_signed_in_non_member_is_told_so(client_for, editor, home_page):
    answer = client_for(editor).get("/me/archive/")
    assert answer.status_code == 403
    assert "不是党员" in answer.content.decode()


def test_elder_mode_is_remembered(client, db, home_page):
    answer = client.post("/settings/elder-mode/", {"on": "1", "next": "/"})
    assert answer.status_code == 302
    assert answer.cookies["dk_elder"].value == "1"
    html = client.get("/").content.decode()
    assert re.search(r'<html[^>]*class="elder"', html)
    client.post("/settings/elder-mode/", {"on": "0", "next": "/"})
    assert not re.search(r'<html[^>]*class="elder"', client.get("/").content.decode())


def test_the_theme_follows_the_site_setting(client, db, home_page):
    default = client.get("/").content.decode()
    assert "theme-default" in default and "党员教育" in default
    css = client.get("/theme.css").content.decode()
    assert THEMES["default"].colours["primary"] in css

    setting = PortalTheme.for_site(Site.objects.get(is_default_site=True))
    setting.theme = "jade"
    setting.site_name = "越秀先锋"
    setting.save()
    jade = client.get("/").content.decode()
    assert "theme-jade" in jade and "越秀先锋" in jade
    assert "不忘初心" in jade  # the jade theme's own template
    assert (
        THEMES["jade"].colours["primary"] in client.get("/theme.css").content.decode()
    )


def test_every_theme_keeps_text_readable():
    for theme in THEMES.values():
        c = theme.colours
        pairs = [
            ("on_primary", "primary"),
            ("ink", "surface"),
            ("ink", "card"),
            ("muted", "surface"),
            ("muted", "card"),
            ("primary", "surface"),
            ("primary", "card"),
            ("accent", "surface"),
        ]
        for fg, bg in pairs:
            ratio = contrast_ratio(c[fg], c[bg])
            assert ratio >= MIN_TEXT_CONTRAST, (theme.key, fg, bg, ratio)


def test_an_unreadable_brand_colour_is_refused(db):
    from django.core.exceptions import ValidationError

    setting = PortalTheme(
        site=Site.objects.get(is_default_site=True), primary="#ffcccc"
    )
    with pytest.raises(ValidationError) as error:
        setting.full_clean()
    assert "primary" in error.value.message_dict


def test_portal_pages_forbid_inline_script(client, db, home_page):
    answer = client.get("/")
    policy = answer["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "object-src 'none'" in policy
    html = answer.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert "style=" not in html
    # the admin keeps its own (Wagtail uses inline scripts)
    assert "Content-Security-Policy" not in client.get("/admin/login/")


def test_body_text_sizes_meet_the_elderly_figures():
    from pathlib import Path

    css = (
        Path(__file__).parents[2] / "themes/static/themes/css/portal.css"
    ).read_text()
    assert re.search(r"--font-size:\s*18px", css)
    assert re.search(r"html\.elder\s*{[^}]*--font-size:\s*2\dpx", css)
    assert re.search(r"--tap:\s*44px", css)
    assert re.search(r"html\.elder\s*{[^}]*--tap:\s*60px", css)
