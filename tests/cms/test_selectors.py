"""cms's reads for other apps: who may see a page (one rule), the link tables."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from wagtail.models import PageViewRestriction

from cms import selectors
from tests import factories


def request_for(user=None, *, passed_passwords: list[int] = ()):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request.session[PageViewRestriction.passed_view_restrictions_session_key] = list(
        passed_passwords
    )
    return request


@pytest.fixture
def lessons(section):
    return {
        "open": factories.lesson(section, title="公开课"),
        "draft": factories.lesson(section, title="草稿", live=False),
    }


def test_a_live_unrestricted_page_is_visible_to_everyone(lessons, member_user):
    for request in (request_for(), request_for(member_user)):
        assert selectors.page_visible_to_request(page=lessons["open"], request=request)
        assert not selectors.page_visible_to_request(
            page=lessons["draft"], request=request
        )
    assert selectors.page_is_public(page=lessons["open"])
    assert not selectors.page_is_public(page=lessons["draft"])


def test_login_and_group_restrictions_follow_the_user(section, member_user, editor):
    lesson = factories.lesson(section, title="党员课")
    restriction = PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(*member_user.groups.all())
    assert selectors.page_visible_to_request(
        page=lesson, request=request_for(member_user)
    )
    assert not selectors.page_visible_to_request(page=lesson, request=request_for())
    assert not selectors.page_visible_to_request(
        page=lesson, request=request_for(editor)
    )
    assert not selectors.page_is_public(page=lesson)
    queryset = lesson.__class__.objects.all()
    assert (
        list(
            selectors.pages_visible_to_request(queryset=queryset, request=request_for())
        )
        == []
    )
    assert list(
        selectors.pages_visible_to_request(
            queryset=queryset, request=request_for(member_user)
        )
    ) == [lesson]


def test_a_password_restriction_passes_only_in_the_session_that_entered_it(
    section, member_user
):
    lesson = factories.lesson(section, title="密码课")
    restriction = PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.PASSWORD, password="党课"
    )
    assert not selectors.page_visible_to_request(
        page=lesson, request=request_for(member_user)
    )
    assert selectors.page_visible_to_request(
        page=lesson, request=request_for(member_user, passed_passwords=[restriction.pk])
    )


def test_links_between_topics_courses_and_lessons(section):
    first = factories.lesson(section, title="第一课")
    second = factories.lesson(section, title="第二课")
    course = factories.course(section, title="课程", lessons=[second, first])
    links = selectors.course_lesson_links(course_ids=[course.pk])
    assert [link.lesson_id for link in links] == [second.pk, first.pk]
    assert (
        selectors.course_lesson_links(lesson_ids=[first.pk])[0].course_id == course.pk
    )
    assert list(selectors.courses_holding_lessons(lesson_ids=[first.pk])) == [course]
    assert [lesson for lesson, _ in selectors.course_lessons(course=course)] == [
        second,
        first,
    ]


def test_pages_using_a_video(section):
    asset = factories.video_asset(title="素材")
    live = factories.lesson(section, title="有视频", video=asset)
    draft = factories.lesson(section, title="草稿视频", video=asset, live=False)
    assert selectors.pages_using_video(asset_id=asset.pk) == [live]
    assert sorted(selectors.page_ids_using_video(asset_id=asset.pk)) == sorted(
        [live.pk, draft.pk]
    )
