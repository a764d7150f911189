"""The query log (no identity), its purge, the zero-result report and the synonym
admin, permission-gated."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from search.models import SearchQueryLog, SearchSynonym
from search.selectors import search_query_report
from search.services import (
    search_query_log_purge,
    search_query_record,
    search_synonyms_load,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _log(query: str, results: int, *, days_ago: float = 0, times: int = 1):
    for _ in range(times):
        search_query_record(query_text=query, results=results)
    if days_ago:
        SearchQueryLog.objects.filter(query=query).update(
            searched_at=timezone.now() - timedelta(days=days_ago)
        )


def test_report_lists_top_and_zero_result_queries_of_30_days():
    _log("党史", 12, times=3)
    _log("黨史", 12)  # folded: one query
    _log("量子计算", 0, times=2)
    _log("农讲所", 0)
    _log("古老的查询", 0, days_ago=40, times=5)
    report = search_query_report()
    assert [(r["query"], r["searches"]) for r in report["top"]] == [
        ("党史", 4),
        ("量子计算", 2),
        ("农讲所", 1),
    ]
    assert [(r["query"], r["searches"]) for r in report["zero"]] == [
        ("量子计算", 2),
        ("农讲所", 1),
    ]
    assert report["top"][0]["average_results"] == 12.0


def test_purge_keeps_the_configured_days(settings):
    settings.SEARCH_QUERY_LOG_RETENTION_DAYS = 30
    _log("old", 1, days_ago=31)
    _log("recent", 1, days_ago=29)
    assert search_query_log_purge() == 1
    assert list(SearchQueryLog.objects.values_list("query", flat=True)) == ["recent"]
    call_command("search_query_log_purge", "--days", "7", stdout=io.StringIO())
    assert not SearchQueryLog.objects.exists()


def test_purge_runs_daily_from_beat(settings):
    from dangke.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["search-purge-query-log"]
    assert entry["task"] == "search.tasks.search_query_log_purge_task"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_report_view_needs_the_permission(client, editor):
    _log("量子计算", 0)
    client.force_login(editor)
    assert client.get("/admin/search/queries/").status_code in (302, 403)
    admin = factories.user("root-report", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/search/queries/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "无结果的热门查询" in body and "量子计算" in body
    assert "添加同义词" in body


def test_synonym_admin_validates_and_is_permission_gated(client, editor):
    client.force_login(editor)
    assert client.get("/admin/snippets/search/searchsynonym/").status_code in (302, 403)
    admin = factories.user("root-synonyms", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = "/admin/snippets/search/searchsynonym/add/"
    response = client.post(url, {"terms": "农讲所", "note": ""})
    assert response.status_code == 200
    assert "至少需要两个不同的词" in response.content.decode()
    assert not SearchSynonym.objects.exists()
    response = client.post(url, {"terms": "农讲所，农民运动讲习所", "note": "简称"})
    assert response.status_code == 302
    assert SearchSynonym.objects.get().term_list == ["农讲所", "农民运动讲习所"]


def test_demo_dictionary_loads_once():
    added = search_synonyms_load()
    assert added >= 10
    assert search_synonyms_load() == 0
    with pytest.raises(ValueError, match="line 1"):
        search_synonyms_load(lines=["只有一个词"])


@pytest.fixture
def findable(home_page):
    from search.services import search_index_rebuild

    lessons = factories.section(home_page, title="微党课", slug="lessons")
    factories.lesson(lessons, title="党史学习教育", summary="学习党的百年奋斗历史。")
    search_index_rebuild(stdout=io.StringIO())


def test_a_log_write_that_fails_never_fails_the_search(
    client, findable, monkeypatch, caplog
):
    from django.db import OperationalError

    def locked(**fields):
        raise OperationalError("database is locked")

    monkeypatch.setattr(SearchQueryLog.objects, "create", locked)
    with caplog.at_level("WARNING", logger="search.services"):
        response = client.get("/api/v3/search/", {"q": "党史"})
        assert response.status_code == 200, response.content
        assert [item["title"] for item in response.json()["items"]] == ["党史学习教育"]
        page = client.get("/search/", {"q": "党史"})
        assert page.status_code == 200
        assert "党史学习教育" in page.content.decode().replace("<mark>", "").replace(
            "</mark>", ""
        )
    skipped = [r for r in caplog.records if "query log write skipped" in r.message]
    assert len(skipped) == 2 and "OperationalError" in skipped[0].message
    assert "database is locked" not in caplog.text
    assert not SearchQueryLog.objects.exists()


def test_a_failed_log_write_leaves_the_connection_usable_and_says_so(monkeypatch):
    from django.db import IntegrityError, connection

    def broken(**fields):
        raise IntegrityError("simulated")

    monkeypatch.setattr(SearchQueryLog.objects, "create", broken)
    assert search_query_record(query_text="党史", results=1) is False
    monkeypatch.undo()
    assert search_query_record(query_text="党史", results=1) is True
    assert SearchQueryLog.objects.count() == 1
    if connection.vendor == "sqlite":  # the short lock wait is put back
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 20_000
