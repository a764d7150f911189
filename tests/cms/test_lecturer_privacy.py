"""Lecturers see only their own pages in the submissions area: another lecturer's
draft titles and review status never show in the admin's explorer, its side menu
(the admin API), the page chooser, page search, the dashboard, the reports, or the
views of that page. Editors still see every submission."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cms.models import MicroLessonPage
from tests import factories
from tests.helpers import add_url, lesson_form

pytestmark = pytest.mark.django_db
SECRET = "乙老师未公开的草稿 draft"
OWN = "甲老师自己的草稿 draft"


@pytest.fixture
def lecturers(client_for, lecturer_user, submissions_area):
    other_user = factories.user("lecturer2", groups=["讲师"])
    other = client_for(other_user)
    submitted = other.post(
        add_url(submissions_area),
        lesson_form(SECRET, "secret-draft", **{"action-submit": "submit"}),
    )
    assert submitted.status_code == 302, submitted.content[:2000]
    mine = client_for(lecturer_user)
    created = mine.post(add_url(submissions_area), lesson_form(OWN, "own-draft"))
    assert created.status_code == 302, created.content[:2000]
    return {
        "mine": mine,
        "secret": MicroLessonPage.objects.get(slug="secret-draft"),
        "own": MicroLessonPage.objects.get(slug="own-draft"),
    }


def listing_urls(area) -> list[str]:
    return [
        reverse("wagtailadmin_explore", args=[area.pk]),
        reverse("wagtailadmin_explore_results", args=[area.pk]),
        reverse("wagtailadmin_explore", args=[area.pk]) + "?q=draft",
        reverse("wagtailadmin_explore", args=[area.pk]) + "?ordering=-latest_revision_created_at",
        f"/admin/api/main/pages/?child_of={area.pk}&for_explorer=1",
        f"/admin/api/main/pages/?descendant_of={area.pk}",
        "/admin/api/main/pages/?search=draft",
        reverse("wagtailadmin_choose_page_child", args=[area.pk]),
        reverse("wagtailadmin_choose_page_search") + "?q=draft",
        reverse("wagtailadmin_pages:search") + "?q=draft",
        reverse("wagtailadmin_pages:search_results") + "?q=draft",
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:aging_pages"),
        reverse("wagtailadmin_reports:locked_pages"),
        reverse("wagtailadmin_reports:workflow"),
        reverse("wagtailadmin_reports:workflow_tasks"),
    ]  # fmt: skip


def page_urls(page) -> list[str]:
    return [
        reverse("wagtailadmin_pages:edit", args=[page.pk]),
        reverse("wagtailadmin_pages:view_draft", args=[page.pk]),
        reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk]),
        reverse("wagtailadmin_pages:history", args=[page.pk]),
        reverse("wagtailadmin_pages:revisions_index", args=[page.pk]),
        reverse("wagtailadmin_pages:copy", args=[page.pk]),
        reverse("wagtailadmin_pages:move", args=[page.pk]),
        reverse("wagtailadmin_pages:delete", args=[page.pk]),
        reverse("wagtailadmin_pages:usage", args=[page.pk]),
        reverse("wagtailadmin_pages:workflow_history", args=[page.pk]),
        reverse("wagtailadmin_pages:add_subpage", args=[page.pk]),
        reverse("wagtailadmin_explore", args=[page.pk]),
        f"/admin/api/main/pages/{page.pk}/",
    ]


def test_a_lecturer_sees_only_their_own_submissions(lecturers, submissions_area):
    client = lecturers["mine"]
    for url in listing_urls(submissions_area):
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403, 404), url
        body = response.content.decode()
        assert SECRET not in body, url
        assert f'"id": {lecturers["secret"].pk},' not in body, url
    explorer = client.get(reverse("wagtailadmin_explore", args=[submissions_area.pk]))
    assert OWN in explorer.content.decode()
    leaks = [
        url
        for url in page_urls(lecturers["secret"])
        if SECRET in client.get(url, follow=True).content.decode()
    ]
    assert leaks == []


def test_a_lecturer_still_works_on_their_own_submission(lecturers):
    client, own = lecturers["mine"], lecturers["own"]
    assert (
        OWN
        in client.get(
            reverse("wagtailadmin_pages:edit", args=[own.pk])
        ).content.decode()
    )
    assert (
        client.get(reverse("wagtailadmin_pages:view_draft", args=[own.pk])).status_code
        == 200
    )
    found = client.get(reverse("wagtailadmin_pages:search") + "?q=draft")
    assert OWN in found.content.decode()


def test_editors_see_every_submission(lecturers, editor, client_for, submissions_area):
    client = client_for(editor)
    explorer = client.get(reverse("wagtailadmin_explore", args=[submissions_area.pk]))
    assert SECRET in explorer.content.decode() and OWN in explorer.content.decode()
    found = client.get(reverse("wagtailadmin_pages:search") + "?q=draft")
    assert SECRET in found.content.decode()


def test_anonymous_visitors_get_nothing(lecturers):
    response = Client().get(reverse("wagtailadmin_pages:search") + "?q=draft")
    assert response.status_code == 302
