"""The portal's frame in a real Chromium: sign-in, home, topic, course, archive and
长辈模式, with no script error and no serious accessibility violation; screenshots
of each page at phone and desktop width."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import TopicCourse, TopicPage
from learning.models import Assignment, Enrolment
from tests import factories
from tests.e2e.conftest import axe_violations, follow, screenshot, sign_in


@pytest.fixture
def programme(home_page, section):
    """A topic with a required and an elective course, assigned to a branch."""
    branch = factories.organisation(name="第一党支部")
    member = factories.member(organisation=branch, username="lihong")
    lessons = [factories.lesson(section, title=f"第{n}课 红船精神") for n in (1, 2)]
    required = factories.course(section, title="党史必修课", lessons=lessons)
    elective = factories.course(
        section, title="红色故事选修课", lessons=lessons[:1], category="elective"
    )
    topic = TopicPage(title="党史学习教育", slug="dangshi", intro="<p>专题介绍</p>")
    topic.topic_courses = [
        TopicCourse(course=required, sort_order=0),
        TopicCourse(course=elective, sort_order=1, required=False),
    ]
    home_page.add_child(instance=topic)
    topic.save_revision().publish()
    Assignment.objects.create(
        content=required,
        organisation=branch,
        deadline=timezone.localdate() + timedelta(days=30),
    )
    return {
        "member": member,
        "topic": topic,
        "required": required,
        "elective": elective,
    }


def visit(page, url: str, name: str) -> str:
    page.goto(page.base + url)
    assert axe_violations(page) == [], url
    screenshot(page, name)
    return page.inner_text("main")


def test_sign_in_says_when_the_password_is_wrong(page, member_user, home_page):
    sign_in(page, "member", "not-the-password")
    assert "用户名或密码不正确" in page.inner_text("main")
    assert axe_violations(page) == []
    screenshot(page, "signin")
    sign_in(page, "member")
    assert "退出" in page.inner_text("header")
    assert page.problems == []


def test_a_member_walks_the_portal(page, programme):
    sign_in(page, "lihong")
    home = visit(page, "/", "home")
    assert "党史必修课" in home and "学时" in home
    assert "党史学习教育" in home  # a current topic

    topic = visit(page, programme["topic"].url, "topic")
    assert "党史必修课" in topic and "红色故事选修课" in topic

    course = visit(page, programme["required"].url, "course")
    assert "第1课 红船精神" in course and "未开始" in course

    elective = visit(page, programme["elective"].url, "course-elective")
    assert "选修本课程" in elective
    follow(page, "text=选修本课程")
    assert "已选修" in page.inner_text("main")
    assert Enrolment.objects.filter(
        member=programme["member"], course=programme["elective"]
    ).exists()

    archive = visit(page, "/me/archive/", "archive")
    assert "党史必修课" in archive and "红色故事选修课" in archive
    assert page.problems == []


def test_elder_mode_survives_a_reload(page, programme):
    sign_in(page, "lihong")
    page.goto(page.base + "/")
    body_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body_size >= 18
    follow(page, "button[aria-pressed=false]:has-text('长辈模式')")
    page.reload()
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    elder_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert elder_size > body_size
    # every button and link in the header is at least 60 px tall in 长辈模式
    heights = page.evaluate(
        "[...document.querySelectorAll('header a, header button')]"
        ".filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 60, heights
    assert axe_violations(page) == []
    screenshot(page, "home-elder")
