"""Segmentation, pinyin, safe query parsing and highlighting (no database)."""

from __future__ import annotations

import pytest

from search import text
from search.backends.database import fts5_match, tsquery


def test_segment_keeps_words_and_sub_words():
    tokens = text.segment("健全全过程人民民主制度体系").split()
    assert {"全过程人民民主", "人民民主", "制度", "体系"} <= set(tokens)


def test_segment_drops_punctuation_and_emoji_and_folds_width():
    assert text.segment("党史！🎉 ＶＲ，“学习”").split() == ["党史", "vr", "学习"]


def test_pinyin_tokens_cover_full_pinyin_and_initials():
    tokens = set(text.pinyin_tokens("党史学习教育").split())
    assert {"dangshi", "dangshixuexijiaoyu", "dsxxjy", "xuexijiaoyu", "xxjy"} <= tokens
    assert text.pinyin_tokens("VR 360") == ""


def test_parse_query_one_character_and_latin_are_prefixes():
    parsed = text.parse_query("红 Dang")
    assert [g.alternatives for g in parsed.groups] == [
        ((text.Term("红", prefix=True),),),
        ((text.Term("dang", prefix=True),),),
    ]
    assert parsed.pinyin == ("dang",)


def test_parse_query_offers_smaller_words_for_a_long_word():
    (group,) = text.parse_query("全会精神").groups
    assert group.alternatives == (
        (text.Term("全会精神"),),
        (text.Term("全会"), text.Term("精神")),
    )


def test_parse_query_drops_function_words_unless_alone():
    assert [
        g.alternatives[0][0].text for g in text.parse_query("党史的学习").groups
    ] == [
        "党史",
        "学习",
    ]
    assert text.parse_query("的").groups[0].alternatives[0][0].text == "的"


@pytest.mark.parametrize("query", ['"', "*", "()", "🎉", "👍🏽", "  ", "_", "&|!"])
def test_parse_query_without_words_is_empty(query):
    assert text.parse_query(query).is_empty


def test_engine_expressions_quote_every_token():
    parsed = text.parse_query('NEAR(党史 OR "改革*"')
    match = fts5_match(parsed, mode="and")
    assert match == '(("near"*)) AND (("党史")) AND (("or"*)) AND (("改革"))'
    assert tsquery(parsed, mode="or") == (
        "(('near':*)) | (('党史')) | (('or':*)) | (('改革'))"
    )
    assert tsquery(text.parse_query("dang"), mode="and", weights="A") == (
        "(('dang':*A))"
    )


def test_highlight_marks_words_and_escapes_the_rest():
    parsed = text.parse_query("党史")
    assert (
        text.highlight("<b>党史</b> & 学习", parsed)
        == "&lt;b&gt;<mark>党史</mark>&lt;/b&gt; &amp; 学习"
    )


def test_highlight_marks_pinyin_and_initials_in_the_original():
    assert (
        text.highlight("党史学习教育", text.parse_query("dangshi"))
        == "<mark>党史</mark>学习教育"
    )
    assert (
        text.highlight("党史学习教育", text.parse_query("dsxx"))
        == "<mark>党史学习</mark>教育"
    )
    assert (
        text.highlight("学习党史", text.parse_query("dangs")) == "学习<mark>党史</mark>"
    )


def test_snippet_centres_on_the_first_match():
    long_text = "序" * 100 + "省港大罢工" + "尾" * 100
    snippet = text.snippet(["", long_text], text.parse_query("罢工"), width=40)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "省港大<mark>罢工</mark>" in snippet


def test_snippet_without_match_is_the_escaped_beginning():
    assert text.snippet(["a<b", "x"], text.parse_query("党史")) == "a&lt;b"
