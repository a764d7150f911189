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


@pytest.fixture
def red_sites(home_page):
    area = factories.section(home_page, title="现场教学", slug="sites")
    internal = factories.section(home_page, title="内部阵地", slug="internal")
    PageViewRestriction.objects.create(page=internal, restriction_type="login")
    return {
        "third": factories.teaching_site(area, "中共三大会址纪念馆", 23.1287, 113.2882),
        "uprising": factories.teaching_site(
            area, "广州起义烈士陵园", 23.1308, 113.2936
        ),
        "far": factories.teaching_site(area, "从化教学点", 23.5500, 113.5900),
        "draft": factories.teaching_site(
            area, "草稿教学点", 23.1300, 113.2800, live=False
        ),
        "secret": factories.teaching_site(internal, "内部教学点", 23.1290, 113.2850),
    }


def test_red_routes_show_only_public_stops_and_sites_their_public_neighbours(
    red_sites,
):
    from cms.models import RedRoute, RedRouteStop

    def route(name, keys):
        made = RedRoute(name=name)
        made.stops = [
            RedRouteStop(site=red_sites[key], note=f"第{i}站", sort_order=i)
            for i, key in enumerate(keys)
        ]
        made.save()
        return made

    walk = route("越秀红色足迹", ["uprising", "draft", "third", "secret"])
    route("内部线路", ["draft", "secret"])  # no public stop: not shown at all
    [shown] = selectors.red_routes_public()
    assert shown.pk == walk.pk and shown.name == "越秀红色足迹"
    assert [(site.title, note) for site, note in shown.stops] == [
        ("广州起义烈士陵园", "第0站"),
        ("中共三大会址纪念馆", "第2站"),
    ]
    assert [r.pk for r in selectors.red_routes_public(route_id=walk.pk)] == [walk.pk]
    assert selectors.red_routes_through(site=red_sites["far"]) == []
    assert [r.pk for r in selectors.red_routes_through(site=red_sites["third"])] == [
        walk.pk
    ]
    public = {site.title for site in selectors.teaching_sites_public()}
    assert public == {"中共三大会址纪念馆", "广州起义烈士陵园", "从化教学点"}
    near = selectors.teaching_sites_near(site=red_sites["third"])
    assert [site.title for site in near] == ["广州起义烈士陵园"]
