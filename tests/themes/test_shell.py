"""The portal's app shell on the server: the tab bar and its current tab, the 学习
and 我的 pages, changing the password, the offline page and the service worker
(its shell, its cache version following the static files)."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from learning.models import Assignment, Enrolment
from tests import factories
from themes import views_shell
from themes.templatetags.portal_shell import tab_for

pytestmark = [pytest.mark.django_db]


def _tab(html: str, key: str) -> str:
    match = re.search(rf'<a href="[^"]*" class="tab tab-{key}"[^>]*>', html)
    assert match, f"no {key} tab in the page"
    return match.group(0)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    return client


def test_paths_belong_to_their_tab():
    assert tab_for("/") == "home"
    assert tab_for("/learn/") == "learning"
    assert tab_for("/me/quizzes/3/") == "learning"
    assert tab_for("/lessons/x/", content_page=True) == "learning"
    assert tab_for("/me/contests/") == "contests"
    assert tab_for("/me/practice/") == "contests"
    assert tab_for("/me/archive/") == "archive"
    assert tab_for("/me/") == "me"
    assert tab_for("/me/password/") == "me"
    assert tab_for("/me/meetings/4/") == "me"
    assert tab_for("/search/") == ""


def test_the_tab_bar_marks_where_the_member_is(signed_in, home_page, section):
    lesson = factories.lesson(section, title="中共三大")
    archive = signed_in.get("/me/archive/").content.decode()
    assert 'aria-current="page"' in _tab(archive, "archive")
    assert "aria-current" not in _tab(archive, "home")
    labels = re.findall(r'class="tab tab-\w+"[^>]*>.*?<span>(\w+)</span>', archive)
    assert labels == ["首页", "学习", "竞赛", "档案", "我的"]
    home = signed_in.get("/").content.decode()
    assert 'aria-current="page"' in _tab(home, "home")
    # a lesson is a page of the 学习 area, not the 学习 page itself
    page = signed_in.get(lesson.url).content.decode()
    assert 'aria-current="true"' in _tab(page, "learning")
    assert 'href="/learn/"' in _tab(page, "learning")
    assert 'href="/me/contests/"' in _tab(page, "contests")


def test_my_page_shows_who_and_where(client, tree, home_page):
    member = factories.member(
        organisation=tree["branch1"], username="liu", member_type="mobile"
    )
    member.name = "刘建国"
    member.save()
    client.force_login(member.user)
    html = client.get("/me/").content.decode()
    assert "刘建国" in html
    assert tree["branch1"].name in html
    assert "流动党员" in html and "mobile" not in html
    # 长辈模式 is the header's switch (the same POST), shown here as a switch
    assert re.search(r'role="switch" aria-checked="false"', html)
    assert 'action="/settings/elder-mode/"' in html
    assert 'href="/me/password/"' in html
    assert re.search(r'<form method="post" action="/logout/"', html)
    client.cookies["dk_elder"] = "1"
    assert 'aria-checked="true"' in client.get("/me/").content.decode()


def test_my_page_needs_sign_in_and_tells_a_non_member(client, editor, home_page):
    answer = client.get("/me/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")
    client.force_login(editor)
    html = client.get("/me/").content.decode()
    assert "editor" in html and "当前账号不是党员" in html


def test_changing_the_password(signed_in, member, home_page):
    form = signed_in.get("/me/password/").content.decode()
    assert "旧密码" in form and "新密码" in form
    wrong = signed_in.post(
        "/me/password/",
        {
            "old_password": "not-it",
            "new_password1": "Hong-qi-2026",
            "new_password2": "Hong-qi-2026",
        },
    )
    assert wrong.status_code == 200
    html = wrong.content.decode()
    assert "密码没有修改" in html
    assert re.search(r'id="id_old_password"[^>]*aria-invalid="true"', html)
    assert "旧密码不正确" in html
    member.user.refresh_from_db()
    assert member.user.check_password("pass-12345")

    mismatch = signed_in.post(
        "/me/password/",
        {
            "old_password": "pass-12345",
            "new_password1": "Hong-qi-2026",
            "new_password2": "Hong-qi-2027",
        },
    )
    assert "两个密码不一致" in mismatch.content.decode()

    done = signed_in.post(
        "/me/password/",
        {
            "old_password": "pass-12345",
            "new_password1": "Hong-qi-2026",
            "new_password2": "Hong-qi-2026",
        },
    )
    assert done.status_code == 302 and done["Location"] == "/me/"
    member.user.refresh_from_db()
    assert member.user.check_password("Hong-qi-2026")
    # still signed in, and told
    assert "密码已修改" in signed_in.get("/me/").content.decode()


def test_the_learning_page_lists_the_members_courses(
    signed_in, member, tree, home_page, section
):
    lesson = factories.lesson(section, title="中共三大")
    required = factories.course(section, title="党史必修课", lessons=[lesson])
    elective = factories.course(section, title="红色家书选修", lessons=[lesson])
    factories.course(section, title="别人的课", lessons=[lesson])
    Assignment.objects.create(
        content=required,
        organisation=tree["district"],
        deadline=timezone.localdate() + timedelta(days=30),
    )
    Enrolment.objects.create(member=member, course=elective)
    html = signed_in.get("/learn/").content.decode()
    required_part = html.split('id="required-title"')[1].split("</section>")[0]
    electives_part = html.split('id="electives-title"')[1].split("</section>")[0]
    assert "党史必修课" in required_part and "红色家书选修" not in required_part
    assert "红色家书选修" in electives_part
    assert "别人的课" not in html
    assert 'href="/sites/"' in html and 'href="/me/practice/"' in html
    assert 'aria-label="党史必修课 完成进度"' in html


def test_a_visitor_sees_topics_and_is_asked_to_sign_in(client, home_page):
    html = client.get("/learn/").content.decode()
    assert "当前专题" in html and "/login/?next=/learn/" in html


def test_the_offline_page_says_so_and_nothing_about_who(signed_in, member):
    answer = signed_in.get("/offline/")
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "网络已断开" in html
    assert member.name not in html and "csrfmiddlewaretoken" not in html
    assert "no-cache" in answer["Cache-Control"]
    assert "Cookie" in answer["Vary"]
    signed_in.cookies["dk_elder"] = "1"
    assert re.search(
        r'<html[^>]*class="elder"', signed_in.get("/offline/").content.decode()
    )


def test_the_service_worker_is_served_from_the_root(client, db):
    answer = client.get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert "no-cache" in answer["Cache-Control"]
    source = answer.content.decode()
    config = re.match(r"self\.DANGKE_SHELL = (\{.*\});\n", source)
    assert config
    for url in (
        "/static/themes/css/portal.css",
        "/static/themes/js/portal.js",
        "/static/themes/img/icons.svg",
        "/theme.css",
        "/offline/",
    ):
        assert f'"{url}"' in config.group(1)
    assert 'addEventListener("fetch"' in source


def test_the_cache_version_follows_the_static_files(tmp_path, monkeypatch):
    copy = tmp_path / "static"
    shutil.copytree(views_shell._static_dir() / "themes", copy / "themes")
    monkeypatch.setattr(views_shell, "_static_dir", lambda: copy)
    first = views_shell._static_version(views_shell._static_fingerprint())
    assert first == views_shell._static_version(views_shell._static_fingerprint())
    css = copy / "themes/css/portal.css"
    css.write_text(css.read_text() + "\n.new-rule { color: red; }\n")
    second = views_shell._static_version(views_shell._static_fingerprint())
    assert second != first
    assert f'"version": "{second}"' in views_shell.service_worker_script()
