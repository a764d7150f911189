"""The headless API: page types expose their fields; anonymous clients see only live,
public content; list queries don't grow with the page size."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from cms.models import TeachingSitePage, TopicCourse, TopicPage
from tests import factories

LESSONS = "/api/v3/pages/?type=cms.MicroLessonPage"


@pytest.fixture
def lecturer(db):
    return factories.lecturer(
        name="陈明华", title="区委党校教授", specialties="党史、统战"
    )


@pytest.fixture
def catalogue(section, lecturer):
    """A course of two live lessons and one draft, in a topic."""
    first = factories.lesson(section, title="第一课", lecturer=lecturer, duration=300)
    draft = factories.lesson(section, title="草稿课", live=False)
    second = factories.lesson(
        section,
        title="第二课",
        duration=600,
        video=factories.video_asset(title="视频", status="ready"),
    )
    course = factories.course(
        section, title="党史必修", lessons=[second, draft, first], category="compulsory"
    )
    topic = TopicPage(title="党史学习教育", slug="party-history")
    topic.topic_courses = [TopicCourse(course=course, required=True)]
    section.get_parent().add_child(instance=topic)
    topic.save_revision().publish()
    return {
        "first": first,
        "second": second,
        "draft": draft,
        "course": course,
        "topic": topic,
    }


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def test_lesson_list_shows_live_lessons_only(client, catalogue):
    assert sorted(titles(client.get(LESSONS))) == ["第一课", "第二课"]


def test_lesson_detail_exposes_lecturer_duration_and_asset_status(client, catalogue):
    body = client.get(f"/api/v3/pages/{catalogue['first'].pk}/").json()
    assert body["meta"]["type"] == "cms.MicroLessonPage"
    assert body["lecturer"]["name"] == "陈明华"
    assert body["lecturer"]["title"] == "区委党校教授"
    assert body["duration"] == 300
    assert body["video"] is None

    body = client.get(f"/api/v3/pages/{catalogue['second'].pk}/").json()
    assert body["video"]["status"] == "ready"
    assert body["lecturer"] is None


def test_course_lists_its_lessons_in_order_without_drafts(client, catalogue):
    body = client.get(f"/api/v3/pages/{catalogue['course'].pk}/").json()
    assert body["category"] == "compulsory"
    assert body["completion_threshold"] == 90
    assert [lesson["title"] for lesson in body["lessons"]] == ["第二课", "第一课"]
    assert body["lessons"][0]["video_status"] == "ready"
    assert "草稿课" not in str(body)


def test_topic_lists_its_courses(client, catalogue):
    body = client.get(f"/api/v3/pages/{catalogue['topic'].pk}/").json()
    assert body["courses"] == [
        {
            "id": catalogue["course"].pk,
            "title": "党史必修",
            "category": "compulsory",
            "required": True,
        }
    ]


def test_a_course_hidden_from_the_public_is_not_listed_by_its_topic(client, catalogue):
    catalogue["course"].unpublish()
    body = client.get(f"/api/v3/pages/{catalogue['topic'].pk}/").json()
    assert body["courses"] == []


def test_teaching_site_exposes_coordinates(client, section):
    site = TeachingSitePage(
        title="中共三大会址纪念馆",
        slug="third-congress",
        address="广州市越秀区恤孤院路3号",
        latitude=23.1287,
        longitude=113.2882,
    )
    section.add_child(instance=site)
    site.save_revision().publish()
    body = client.get(f"/api/v3/pages/{site.pk}/").json()
    assert (body["latitude"], body["longitude"]) == (23.1287, 113.2882)
    assert body["address"] == "广州市越秀区恤孤院路3号"


def test_drafts_are_not_found(client, catalogue):
    response = client.get(f"/api/v3/pages/{catalogue['draft'].pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("restriction", ["login", "password", "groups"])
def test_private_pages_and_their_children_never_appear(client, home_page, restriction):
    private = factories.section(home_page, title="内部学习", slug="internal")
    hidden = factories.lesson(private, title="内部微党课")
    visible_section = factories.section(home_page, title="公开", slug="public")
    factories.lesson(visible_section, title="公开微党课")
    rule = PageViewRestriction.objects.create(
        page=private, restriction_type=restriction, password="secret-123"
    )
    if restriction == "groups":
        rule.groups.add(Group.objects.get(name="党员"))

    assert titles(client.get(LESSONS)) == ["公开微党课"]
    assert client.get(f"/api/v3/pages/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/v3/pages/{private.pk}/").status_code == 404
    all_titles = titles(client.get("/api/v3/pages/?limit=100"))
    assert "内部学习" not in all_titles and "内部微党课" not in all_titles


def test_session_cookies_do_not_widen_the_public_api(client_for, editor, section):
    factories.lesson(section, title="草稿", live=False)
    response = client_for(editor).get(LESSONS)
    assert titles(response) == []


def test_bearer_token_of_an_editor_sees_drafts_it_may_edit(
    client, editor, token_for, section
):
    factories.lesson(section, title="草稿", live=False)
    token = token_for(editor)
    response = client.get(LESSONS, headers={"Authorization": f"Bearer {token}"})
    assert titles(response) == ["草稿"]


def test_list_query_count_does_not_grow_with_page_size(client, section):
    for number in range(50):
        factories.lesson(section, title=f"课 {number}")

    def count(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert len(titles(client.get(f"{LESSONS}&limit={limit}"))) == limit
        return len(queries)

    count(10)  # warm caches (site root paths, content types)
    assert count(50) == count(10)


def test_lecturers_are_listed_and_paged(client, db):
    for name in ["王建国", "李晓红", "赵丽"]:
        factories.lecturer(name=name, specialties="基层治理，社区党建")
    body = client.get("/api/v3/lecturers/?limit=2").json()
    assert body["count"] == 3
    assert len(body["items"]) == 2
    assert body["items"][0]["specialties"] == ["基层治理", "社区党建"]
    assert "user" not in body["items"][0]


def test_unknown_lecturer_is_a_404_with_a_code(client, db):
    response = client.get("/api/v3/lecturers/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_over_large_page_is_refused(client, db):
    response = client.get(f"{LESSONS}&limit=1000")
    assert response.status_code == 400
    body = response.json()
    assert "limit" in body["detail"] and body["code"] == "bad_request"


def test_openapi_document_covers_pages_and_our_routers(client, db):
    response = client.get("/api/v3/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "dangke API"
    paths = document["paths"]
    assert "/api/v3/pages/" in paths
    assert "/api/v3/lecturers/" in paths
    operation_ids = {
        operation["operationId"]
        for item in paths.values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {
        "pages_list",
        "pages_detail",
        "lecturers_list",
        "lecturers_detail",
    } <= operation_ids
    schemas = document["components"]["schemas"]
    assert "MicroLessonPageSchema" in schemas


def test_courseware_is_served_only_through_a_visible_lesson(
    client, client_for, editor, section
):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from cms.models import LessonCourseware

    document = Document(title="内部提纲")
    document.file.save("outline.txt", ContentFile("提纲内容".encode()))
    document.save()
    lesson = factories.lesson(section, title="有课件的课")
    lesson.courseware = [LessonCourseware(document=document)]
    lesson.save_revision().publish()

    assert client.get("/api/v3/documents/").status_code == 404
    assert client.get("/api/v3/images/").status_code == 404
    body = client.get(f"/api/v3/pages/{lesson.pk}/").json()
    url = body["courseware"][0]["url"]
    assert client.get(url).status_code == 200

    PageViewRestriction.objects.create(page=lesson, restriction_type="login")
    assert client.get(url).status_code == 404
    assert client_for(editor).get(url).status_code == 200

    lesson.unpublish()
    PageViewRestriction.objects.all().delete()
    assert client.get(url).status_code == 404


def test_a_members_token_reads_published_pages_and_their_group_restricted_ones(
    client, member_user, token_for, home_page
):
    members_only = factories.section(home_page, title="党员专区", slug="members")
    lesson = factories.lesson(members_only, title="党员专享课")
    factories.lesson(
        factories.section(home_page, title="公开", slug="open"), title="公开课"
    )
    rule = PageViewRestriction.objects.create(
        page=members_only, restriction_type="groups"
    )
    rule.groups.add(Group.objects.get(name="党员"))
    factories.lesson(members_only, title="草稿课", live=False)

    assert titles(client.get(LESSONS)) == ["公开课"]
    token = token_for(member_user)
    response = client.get(LESSONS, headers={"Authorization": f"Bearer {token}"})
    assert sorted(titles(response)) == ["党员专享课", "公开课"]
    detail = client.get(
        f"/api/v3/pages/{lesson.pk}/", headers={"Authorization": f"Bearer {token}"}
    )
    assert detail.status_code == 200


def test_a_lecturer_cannot_read_another_lecturers_draft(
    client, token_for, submissions_area, lecturer_user
):
    other = factories.user("other-lecturer", groups=["讲师"])
    draft = factories.lesson(
        submissions_area, title="别人的草稿", live=False, owner=other
    )
    token = token_for(lecturer_user)
    response = client.get(
        f"/api/v3/pages/{draft.pk}/", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    own = factories.lesson(
        submissions_area, title="自己的草稿", live=False, owner=lecturer_user
    )
    response = client.get(
        f"/api/v3/pages/{own.pk}/", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
