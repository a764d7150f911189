"""The search API over the indexed demo content (every backend of the suite)."""

from __future__ import annotations

import pytest

from search.backends.base import SearchQuery, Visibility
from search.selectors import search_run, search_visibility
from tests.search.conftest import refs

pytestmark = pytest.mark.django_db


def test_two_character_word_finds_lessons_courses_and_topics(demo, search_api):
    status, body = search_api(q="党史")
    assert status == 200, body
    found = refs(body)
    assert found[0] in {
        "topic:party-history-education",
        "course:party-history-compulsory",
    }
    assert "lesson:guangzhou-uprising" in found
    assert body["total"] >= 8
    first = body["items"][0]
    assert "<mark>党史</mark>" in first["title_highlight"]


def test_one_character_query(demo, search_api):
    status, body = search_api(q="红")
    assert status == 200
    found = refs(body)
    assert {"lesson:red-family-letters", "course:red-guangzhou-stories"} <= set(
        found[:4]
    )
    letters = next(i for i in body["items"] if i["ref"] == "lesson:red-family-letters")
    assert letters["title_highlight"] == "<mark>红</mark>色家书里的初心"


@pytest.mark.parametrize(
    "query",
    [
        "dangshi",
        "dsxx",
        "DangShi",
        "dangshixuexi",
        # typed in pieces, with tone marks or numbers, in capitals
        "dang shi",
        "Dǎng Shǐ",
        "dang3shi3",
        "DANG SHI",
    ],
)
def test_pinyin_and_initials_find_party_history(demo, search_api, query):
    status, body = search_api(q=query)
    assert status == 200
    assert set(refs(body)[:2]) == {
        "topic:party-history-education",
        "course:party-history-compulsory",
    }
    topic = next(
        i for i in body["items"] if i["ref"] == "topic:party-history-education"
    )
    assert topic["title_highlight"].startswith("<mark>党史")


def test_title_outranks_summary_outranks_body(demo, search_api):
    # 广州起义 is the lesson's title, the cemetery's title, and only in the body or
    # summary of others.
    status, body = search_api(q="广州起义")
    found = refs(body)
    titled = {
        "lesson:guangzhou-uprising",
        "site:guangzhou-uprising-cemetery",
        "vr:vr-guangzhou-uprising",
    }
    assert set(found[:3]) == titled


def test_highlights_escape_the_original_text(demo, search_api):
    status, body = search_api(q="杨匏安")
    item = body["items"][0]
    assert item["ref"] == "lesson:yang-paoan-pioneer"
    assert item["title_highlight"] == "<mark>杨匏安</mark>：华南传播马克思主义的先驱"
    assert "<mark>杨匏安</mark>" in item["snippet"]
    assert "<" not in item["snippet"].replace("<mark>", "").replace("</mark>", "")


def test_facets_by_type_topic_lecturer_and_year(demo, search_api):
    status, body = search_api(q="改革")
    facets = body["facets"]
    types = {f["value"]: f["count"] for f in facets["type"]}
    assert types["lesson"] >= 3 and types["course"] >= 1
    assert sum(types.values()) == body["total"]
    topics = {f["value"]: f["label"] for f in facets["topic"]}
    assert topics["third-plenum-spirit"] == "学习贯彻党的二十届三中全会精神"
    lecturers = {f["value"] for f in facets["lecturer"]}
    assert {"李晓红", "王建国", "刘志强"} <= lecturers
    years = facets["year"]
    assert years and all(f["label"].endswith("年") for f in years)


def test_type_and_topic_filters(demo, search_api):
    status, body = search_api(q="党史", type="lesson")
    assert status == 200
    assert body["items"] and {i["type"] for i in body["items"]} == {"lesson"}
    status, body = search_api(q="改革", topic="third-plenum-spirit", type="lesson")
    found = set(refs(body))
    assert "lesson:reform-implementation" in found
    assert all(
        "third-plenum-spirit" in [t["slug"] for t in item["topics"]]
        for item in body["items"]
    )
    status, body = search_api(q="党史", topic="third-plenum-spirit")
    assert "topic:party-history-education" not in refs(body)


def test_pagination(demo, search_api):
    status, first = search_api(q="党史")
    status, second = search_api(q="党史", page=2)
    assert first["page_size"] == 10 and first["pages"] == -(-first["total"] // 10)
    assert not set(refs(first)) & set(refs(second))
    assert len(refs(first)) + len(refs(second)) == min(first["total"], 20)


def test_lecturer_document_and_name(demo, search_api):
    status, body = search_api(q="陈明华")
    assert refs(body)[0] == "lecturer:陈明华"
    lessons = [i for i in body["items"] if i["type"] == "lesson"]
    assert lessons and all(i["lecturers"] == ["陈明华"] for i in lessons)


def test_lesson_hits_carry_their_topics(demo, search_api):
    status, body = search_api(q="省港大罢工", type="lesson")
    item = body["items"][0]
    assert item["ref"] == "lesson:canton-hong-kong-strike"
    assert item["topics"] == [
        {"slug": "party-history-education", "title": "党史学习教育"}
    ]
    assert item["detail_url"] == f"/api/v3/pages/{item['id']}/"


def test_draft_submission_is_not_searchable(demo, search_api):
    status, body = search_api(q="社区党建新实践")
    assert "lesson:community-party-building-practice" not in refs(body)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"党史',
        "*",
        "党*",
        "NEAR",
        "NEAR(党史 改革)",
        "党史 OR 改革",
        "党史 AND NOT",
        "(",
        "(党史",
        ")) OR ((",
        "title_tokens:党史",
        "{title_tokens}: 党史",
        "'; DROP TABLE search_document; --",
        "党史 & | ! <-> :*",
        "🎉",
        "党史🎉",
        "👍🏽‍🔥",
        "\\",
        "^党史",
        "-党史",
        "+",
        "党史\x00",
        "<script>alert(1)</script>",
    ],
)
def test_syntax_and_emoji_never_fail(demo, search_api, query):
    status, body = search_api(q=query)
    assert status == 200, body
    assert body["total"] == len(body["items"]) or body["total"] > 10
    status, body = search_api("/api/v3/search/suggest", q=query)
    assert status == 200, body


def test_syntax_around_words_still_finds_them(demo, search_api):
    status, body = search_api(q='"党史" OR (改革*)')
    assert status == 200
    assert "course:party-history-compulsory" in refs(body)


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_empty_query_is_400(demo, search_api, query):
    status, body = search_api(q=query)
    assert status == 400
    assert body["code"] == "query_empty" and "q" in body["detail"]
    status, body = search_api("/api/v3/search/suggest", q=query)
    assert (status, body["code"]) == (400, "query_empty")


def test_over_long_query_is_400(demo, search_api):
    status, body = search_api(q="党" * 101)
    assert status == 400
    assert body["code"] == "query_too_long" and "100" in body["detail"]
    status, body = search_api(q="党" * 100)
    assert status == 200


def test_bad_type_and_page_are_400(demo, search_api):
    status, body = search_api(q="党史", type="video")
    assert (status, body["code"]) == (400, "invalid_type")
    assert "video" in body["detail"]
    status, body = search_api(q="党史", page=0)
    assert (status, body["code"]) == (400, "invalid_page")


def test_suggest_by_prefix_pinyin_and_initials(demo, search_api):
    for query in ("党史", "dangs", "dsxx"):
        status, body = search_api("/api/v3/search/suggest", q=query)
        assert status == 200
        titles = [item["title"] for item in body["items"]]
        assert "党史学习教育" in titles, (query, titles)
    status, body = search_api("/api/v3/search/suggest", q="zhao")
    assert "赵丽" in [item["title"] for item in body["items"]]


def test_openapi_documents_the_search_operations(demo, client):
    schema = client.get("/api/v3/openapi.json").json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert {"search_query", "search_suggest", "search_health"} <= operations


def test_health(demo, search_api):
    status, body = search_api("/api/v3/search/health")
    assert status == 200
    assert body["status"] in {"green", "yellow"}
    assert body["documents"] == 29


def test_wagtail_admin_search_still_finds_demo_pages(demo, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get("/admin/pages/search/", {"q": "广州起义的历史意义"})
    assert response.status_code == 200
    assert "广州起义的历史意义" in response.content.decode()


# --- finding what members mean (issue 11) -------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected", "marked"),
    [
        ("黨史學習教育", "topic:party-history-education", "<mark>党史学习教育</mark>"),
        ("廣州起義", "lesson:guangzhou-uprising", "<mark>广州起义</mark>"),
        ("ＤＳＸＸ", "topic:party-history-education", "<mark>党史学习</mark>"),
    ],
)
def test_traditional_and_full_width_queries(demo, search_api, query, expected, marked):
    status, body = search_api(q=query)
    assert status == 200 and body["match"] == "all"
    item = next(i for i in body["items"] if i["ref"] == expected)
    assert marked in item["title_highlight"]


def test_highlights_mark_traditional_text_as_stored(demo):
    from search.backends import get_backend
    from search.backends.base import IndexDocument

    get_backend().index(
        [
            IndexDocument(
                key="page:990001",
                kind="lesson",
                ref="lesson:traditional-report",
                object_id=990001,
                title="越秀區黨建工作報告（繁體）",
                summary="區委組織部編寫的黨建報告",
            )
        ]
    )
    try:
        public = search_visibility()  # and the document indexed by hand
        visible = Visibility(public.page_ids | {990001}, public.lecturer_ids)
        results = search_run(query=SearchQuery(text="党建报告"), visible=visible)
        hit = next(h for h in results.hits if h.ref == "lesson:traditional-report")
        assert (
            hit.title_highlight
            == "越秀區<mark>黨建</mark>工作<mark>報告</mark>（繁體）"
        )
        assert (
            "<mark>黨建報告</mark>" in hit.snippet or "<mark>黨建</mark>" in hit.snippet
        )
    finally:
        get_backend().delete(["page:990001"])


def test_part_of_a_name_finds_it_whole_words_first(demo, search_api):
    status, body = search_api(q="明华")
    assert refs(body)[0] == "lecturer:陈明华"
    assert body["items"][0]["title_highlight"] == "陈<mark>明华</mark>"
    # A whole word outranks a part of one: 明华 is part of 陈明华 only, while
    # 华南 is a whole word in the title of one lesson.
    status, body = search_api(q="华南")
    assert refs(body)[0] == "lesson:yang-paoan-pioneer"
    status, body = search_api(q="匏安")
    assert refs(body) == ["lesson:yang-paoan-pioneer"]


def test_pinyin_of_tags_and_lecturer_names(demo, search_api):
    assert refs(search_api(q="hongserenwu")[1])[0] == "lesson:yang-paoan-pioneer"
    assert refs(search_api(q="chenminghua")[1])[0] == "lecturer:陈明华"
    assert "lesson:red-family-letters" in refs(search_api(q="lixiangxinnian")[1])[:3]


def test_synonyms_work_both_ways_and_follow_the_editors(demo, search_api):
    from search.models import SearchSynonym

    short = set(refs(search_api(q="农讲所")[1]))
    assert {
        "lesson:peasant-movement-institute",
        "site:peasant-movement-institute",
    } <= short
    assert "lesson:third-congress-united-front" in refs(search_api(q="三大")[1])[:3]
    assert refs(search_api(q="全总")[1])[0] == (
        "site:all-china-federation-of-trade-unions-site"
    )
    status, body = search_api(q="农讲所")
    site = next(
        i for i in body["items"] if i["ref"] == "site:peasant-movement-institute"
    )
    assert "<mark>农民运动讲习所</mark>" in site["title_highlight"]
    # An editor's new group applies to the next query, no reindex needed.
    assert search_api(q="红色圣地")[1]["match"] != "all"
    SearchSynonym.objects.create(terms="红色圣地，会址")
    status, body = search_api(q="红色圣地")
    assert body["match"] == "all" and "site:third-congress-site" in refs(body)


def test_a_misspelling_gets_did_you_mean_and_its_results(demo, search_api):
    status, body = search_api(q="党使")  # a homophone typed with an input method
    assert body["match"] == "suggestion" and body["did_you_mean"] == "党史"
    assert body["total"] > 0 and "topic:party-history-education" in refs(body)
    status, body = search_api(q="dangshu")
    assert body["did_you_mean"] == "党史"
    status, body = search_api(q="杨匏按")
    assert body["did_you_mean"] == "杨匏安"
    assert refs(body)[0] == "lesson:yang-paoan-pioneer"


def test_closest_results_by_any_word_are_labelled(demo, search_api):
    status, body = search_api(q="广州起义 火星探测")
    assert body["match"] == "any" and body["total"] > 0
    assert refs(body)[0] in {
        "lesson:guangzhou-uprising",
        "site:guangzhou-uprising-cemetery",
        "vr:vr-guangzhou-uprising",
    }
    status, body = search_api(q="广州起义")
    assert body["match"] == "all" and body["did_you_mean"] == ""


def test_nothing_near_is_an_honest_empty_answer(demo, search_api):
    status, body = search_api(q="量子计算机")
    assert status == 200
    assert body["total"] == 0 and body["items"] == [] and body["did_you_mean"] == ""


def test_suggestions_for_lecturers_and_topics(demo, search_api):
    status, body = search_api("/api/v3/search/suggest", q="明华")
    assert body["items"][0]["title"] == "陈明华"
    assert body["items"][0]["type"] == "lecturer"
    status, body = search_api("/api/v3/search/suggest", q="黨史")
    assert "党史学习教育" in [item["title"] for item in body["items"]]
    status, body = search_api("/api/v3/search/suggest", q="xue xi guan che")
    assert body["items"][0]["type"] == "topic"


def test_queries_are_logged_without_identity(
    demo, client, search_api, django_user_model
):
    from search.models import SearchQueryLog

    user = django_user_model.objects.create_user("member-log", password="x")
    client.force_login(user)
    SearchQueryLog.objects.all().delete()
    search_api(q="黨史")
    search_api(q="量子计算机")
    search_api(q="党史", page=2)  # paging is not a new search
    search_api("/api/v3/search/suggest", q="党")  # nor is typing
    rows = list(SearchQueryLog.objects.order_by("pk").values())
    assert [(r["query"], r["results"] > 0) for r in rows] == [
        ("党史", True),
        ("量子计算机", False),
    ]
    fields = {field.name for field in SearchQueryLog._meta.get_fields()}
    assert fields == {"id", "query", "results", "searched_at"}
