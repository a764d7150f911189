"""The Elasticsearch backend's mapping, analyzers and query bodies, checked as the
JSON they send (no cluster needed). A live cluster is exercised by the whole suite
when ELASTICSEARCH_URL is set (see conftest)."""

from __future__ import annotations

import pytest

from search.backends.base import IndexDocument, SearchQuery, Visibility
from search.backends.elasticsearch import (
    SearchEntry,
    chinese_analyzers,
    index_definition,
    search_body,
    suggest_body,
)

VISIBLE = Visibility(page_ids=frozenset({7}), lecturer_ids=frozenset({3}))


def _analysis(kind: str) -> dict:
    return index_definition("dangke-x", kind).to_dict()["settings"]["analysis"]


def test_default_cjk_analyzer_keeps_unigrams_for_one_character_queries():
    analysis = _analysis("cjk")
    assert analysis["analyzer"]["dangke_text"] == {
        "type": "custom",
        "tokenizer": "standard",
        "char_filter": ["dangke_script"],
        "filter": ["cjk_width", "lowercase", "dangke_bigram"],
    }
    assert analysis["filter"]["dangke_bigram"] == {
        "type": "cjk_bigram",
        "output_unigrams": True,
    }


def test_smartcn_and_ik_analyzers():
    smartcn = _analysis("smartcn")["analyzer"]
    assert smartcn["dangke_text"]["tokenizer"] == "smartcn_tokenizer"
    ik = _analysis("ik")["analyzer"]
    assert ik["dangke_text"]["tokenizer"] == "ik_max_word"
    assert ik["dangke_search"]["tokenizer"] == "ik_smart"
    with pytest.raises(ValueError, match="ELASTICSEARCH_ANALYZER"):
        chinese_analyzers("jieba")


def test_mapping_uses_the_chinese_and_pinyin_analyzers():
    definition = index_definition("dangke-x", "cjk").to_dict()
    properties = definition["mappings"]["properties"]
    for field in ("title", "summary", "context", "body"):
        assert properties[field]["analyzer"] == "dangke_text"
        assert properties[field]["search_analyzer"] == "dangke_search"
    assert properties["title"]["fields"] == {
        "raw": {"type": "keyword"},
        "ngram": {"type": "text", "analyzer": "dangke_ngram"},
    }
    assert properties["pinyin"] == {
        "type": "text",
        "analyzer": "dangke_pinyin_index",
        "search_analyzer": "dangke_pinyin_search",
    }
    for field in ("kind", "ref", "lecturers", "topics", "topic_keys", "tags"):
        assert properties[field]["type"] == "keyword"
    assert properties["year"]["type"] == "integer"
    analysis = definition["settings"]["analysis"]
    assert analysis["filter"]["dangke_pinyin_edge"]["type"] == "edge_ngram"
    assert definition["settings"]["number_of_shards"] == 1


def test_entry_from_document():
    doc = IndexDocument(
        key="page:7",
        kind="lesson",
        ref="lesson:red-family-letters",
        object_id=7,
        title="红色家书里的初心",
        summary="感悟理想信念",
        lecturers=("赵丽",),
        topics=(("party-history-education", "党史学习教育"),),
        tags=("党史",),
        year=2026,
        detail_url="/api/v3/pages/7/",
    )
    action = SearchEntry.from_document(doc).to_dict(include_meta=True)
    assert action["_id"] == "page:7"
    source = action["_source"]
    assert source["topics"] == ["party-history-education"]
    assert source["topic_keys"] == ["party-history-education|党史学习教育"]
    assert source["context"] == "赵丽 党史学习教育 党史"
    assert "hongsejiashu" in source["pinyin"] and "hsjs" in source["pinyin"]


def test_search_body_text_filters_facets_highlights_and_page():
    query = SearchQuery(
        text='党史 OR "*"', kind="lesson", topic="party-history-education", page=3
    )
    body = search_body(query, alias="dangke", visible=VISIBLE).to_dict()
    # Filters join the text's bool query; one text clause must still match.
    assert body["query"]["bool"]["minimum_should_match"] == 1
    should = body["query"]["bool"]["should"]
    assert should[0]["multi_match"] == {
        "query": '党史 or "*"',
        "fields": ["title^4", "summary^2", "context^1.5", "body"],
        "operator": "and",
        "boost": 2,
        "_name": "all",
    }
    assert should[1]["multi_match"]["minimum_should_match"] == "60%"
    assert should[1]["multi_match"]["boost"] == 1
    # The pinyin fields get the query's letter words only.
    assert should[3] == {
        "match": {"pinyin": {"query": "or", "boost": 3, "_name": "all"}}
    }
    assert body["query"]["bool"]["filter"] == [
        {"term": {"kind": "lesson"}},
        {"term": {"topics": "party-history-education"}},
    ]
    assert set(body["aggs"]) == {"type", "topic", "lecturer", "year"}
    assert body["aggs"]["topic"] == {"terms": {"field": "topic_keys", "size": 20}}
    assert body["highlight"]["pre_tags"] == ["<mark>"]
    assert body["highlight"]["encoder"] == "html"
    assert body["highlight"]["fields"]["title"] == {"number_of_fragments": 0}
    assert (body["from"], body["size"]) == (20, 10)
    assert body["track_total_hits"] is True


def test_search_body_never_uses_query_string_syntax():
    body = search_body(
        SearchQuery(text="a AND (b OR c*)"), alias="dangke", visible=VISIBLE
    ).to_dict()
    assert "query_string" not in str(body) and "simple_query_string" not in str(body)


def test_suggest_body():
    body = suggest_body("dsxx", alias="dangke", limit=5, visible=VISIBLE).to_dict()
    assert body["query"]["bool"]["should"] == [
        {"match_phrase_prefix": {"title": {"query": "dsxx"}}},
        {"match_phrase": {"title.ngram": {"query": "dsxx"}}},
        {"match": {"pinyin": {"query": "dsxx"}}},
    ]
    assert body["size"] == 5
    assert body["_source"] == ["title", "kind", "ref", "detail_url"]


def test_unreachable_cluster_fails_the_start_up_check(settings):
    import socket

    from search.checks import elasticsearch_reachable

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{port}"
    (error,) = elasticsearch_reachable()
    assert error.id == "search.E001" and "ELASTICSEARCH_URL" in error.msg
    settings.SEARCH_BACKEND = "database"
    assert elasticsearch_reachable() == []


def test_every_analyzer_converts_traditional_to_simplified_like_opencc():
    for kind in ("cjk", "smartcn", "ik"):
        analysis = _analysis(kind)
        for name in ("dangke_text", "dangke_search"):
            assert analysis["analyzer"][name]["char_filter"] == ["dangke_script"]
    script = _analysis("cjk")["char_filter"]["dangke_script"]
    assert script["type"] == "mapping"
    rules = set(script["mappings"])
    # Characters, Hong Kong variants and OpenCC's phrases (乾隆 stays 乾隆).
    assert {"黨=>党", "廣=>广", "義=>义", "綫=>线", "乾=>干", "乾隆=>乾隆"} <= rules
    assert len(rules) > 4000
    assert all(rule.count("=>") == 1 for rule in rules)


def test_query_analyzer_applies_the_synonym_groups():
    definition = index_definition(
        "dangke-x", "cjk", [["农讲所", "农民运动讲习所"], ["三大", "中共三大"]]
    ).to_dict()
    analysis = definition["settings"]["analysis"]
    assert analysis["filter"]["dangke_synonyms"] == {
        "type": "synonym_graph",
        "synonyms": ["农讲所, 农民运动讲习所", "三大, 中共三大"],
        "lenient": True,
    }
    assert analysis["analyzer"]["dangke_search"]["filter"] == [
        "cjk_width",
        "lowercase",
        "dangke_query_bigram",
        "dangke_synonyms",
    ]
    # Index-time analysis never expands (synonyms change without a reindex).
    assert "dangke_synonyms" not in analysis["analyzer"]["dangke_text"]["filter"]
    assert analysis["filter"]["dangke_query_bigram"] == {"type": "cjk_bigram"}
    for kind in ("smartcn", "ik"):
        search = _analysis(kind)["analyzer"]["dangke_search"]
        assert search["filter"][-1] == "dangke_synonyms"


def test_ngram_and_pinyin_fields_for_partial_words_and_names():
    definition = index_definition("dangke-x", "cjk").to_dict()
    analysis = definition["settings"]["analysis"]
    assert analysis["tokenizer"]["dangke_bigrams"] == {
        "type": "ngram",
        "min_gram": 2,
        "max_gram": 2,
        "token_chars": ["letter", "digit"],
    }
    assert analysis["analyzer"]["dangke_ngram"]["char_filter"] == ["dangke_script"]
    properties = definition["mappings"]["properties"]
    assert properties["context"]["fields"]["ngram"]["analyzer"] == "dangke_ngram"
    assert properties["context_pinyin"]["analyzer"] == "dangke_pinyin_index"
    entry = SearchEntry.from_document(
        IndexDocument(
            key="page:1",
            kind="lesson",
            ref="lesson:x",
            object_id=1,
            title="红色家书",
            lecturers=("赵丽",),
            tags=("理想信念",),
        )
    )
    assert {"zhaoli", "zl", "lixiangxinnian", "lxxn"} <= set(
        entry.context_pinyin.split()
    )


def test_search_body_joins_spaced_pinyin_and_names_its_clauses():
    body = search_body(
        SearchQuery(text="Dǎng Shǐ"), alias="dangke", visible=VISIBLE
    ).to_dict()
    should = body["query"]["bool"]["should"]
    assert should[3] == {
        "match": {"pinyin": {"query": "dangshi", "boost": 3, "_name": "all"}}
    }
    assert should[4] == {
        "match": {"context_pinyin": {"query": "dangshi", "_name": "all"}}
    }
    assert should[0]["multi_match"]["_name"] == "all"
    assert should[1]["multi_match"]["_name"] == "any"
    assert should[2]["multi_match"]["fields"] == [
        "title.ngram^0.8",
        "context.ngram^0.4",
    ]
    assert should[2]["multi_match"]["type"] == "phrase"
    body = search_body(
        SearchQuery(text="黨史"), alias="dangke", visible=VISIBLE
    ).to_dict()
    assert body["query"]["bool"]["should"][0]["multi_match"]["query"] == "党史"


def test_search_and_suggest_keep_only_what_is_visible_inside_the_query():
    visible = Visibility(page_ids=frozenset({12, 7}), lecturer_ids=frozenset({3}))
    hidden = [
        {
            "bool": {
                "filter": [{"term": {"kind": "lecturer"}}],
                "must_not": [{"terms": {"object_id": [3]}}],
            }
        },
        {
            "bool": {
                "must_not": [
                    {"term": {"kind": "lecturer"}},
                    {"terms": {"object_id": [7, 12]}},
                ]
            }
        },
    ]
    body = search_body(
        SearchQuery(text="党史", kind="lesson"), alias="dangke", visible=visible
    ).to_dict()
    # In the query (filter context), not a post-filter: the total and every
    # aggregation count only visible documents.
    assert body["query"]["bool"]["must_not"] == hidden
    assert body["query"]["bool"]["filter"] == [{"term": {"kind": "lesson"}}]
    assert "post_filter" not in body and set(body["aggs"]) == {
        "type",
        "topic",
        "lecturer",
        "year",
    }
    body = suggest_body("dsxx", alias="dangke", limit=5, visible=visible).to_dict()
    assert body["query"]["bool"]["must_not"] == hidden
    nothing = Visibility(page_ids=frozenset(), lecturer_ids=frozenset())
    body = suggest_body("dsxx", alias="dangke", limit=5, visible=nothing).to_dict()
    assert {"terms": {"object_id": []}} in body["query"]["bool"]["must_not"][1]["bool"][
        "must_not"
    ]
