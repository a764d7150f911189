"""Every page type renders for visitors, and editors can open it in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import Page

from cms.demo import demo_content_load


@pytest.fixture
def demo(db):
    demo_content_load(with_media=False)


def test_every_live_page_renders(client, demo):
    pages = Page.objects.live().public().filter(depth__gt=1).specific()
    rendered_types = set()
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, (page.url, response.status_code)
        assert page.title in response.content.decode()
        rendered_types.add(type(page).__name__)
    assert rendered_types == {
        "HomePage",
        "SectionPage",
        "TopicPage",
        "CoursePage",
        "MicroLessonPage",
        "VRCoursewarePage",
        "TeachingSitePage",
    }


def test_draft_pages_are_not_served(client, demo):
    from cms.models import MicroLessonPage

    submission = MicroLessonPage.objects.get(slug="community-party-building-practice")
    assert (
        client.get("/submissions/community-party-building-practice/").status_code == 404
    )
    assert not submission.live


def test_editor_opens_each_page_type_and_snippet_list_in_the_admin(
    client_for, editor, demo
):
    client = client_for(editor)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    for page in Page.objects.filter(depth__gt=2).specific():
        response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
        assert response.status_code == 200, (page.title, response.status_code)
    for name in ("cms_lecturer", "cms_redroute", "media_pipeline_videoasset"):
        response = client.get(reverse(f"wagtailsnippets_{name}:list"))
        assert response.status_code == 200, name


def test_pages_never_show_titles_of_restricted_or_draft_pages(client, home_page):
    from wagtail.models import PageViewRestriction

    from tests import factories

    public = factories.section(home_page, title="公开栏目", slug="open")
    private = factories.section(home_page, title="内部栏目", slug="internal")
    secret = factories.lesson(private, title="机密课XYZ")
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    visible = factories.lesson(public, title="公开课")
    course = factories.course(public, title="混合课程", lessons=[visible, secret])
    html = client.get(course.url).content.decode()
    assert "公开课" in html and "机密课XYZ" not in html

    public.unpublish()  # the section only; its lesson stays live
    visible.refresh_from_db()
    html = client.get("/open/" + visible.slug + "/").content.decode()
    assert "公开栏目" not in html
