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
        (text.Term("全会精神", ngram=True),),
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
    words = "{title_tokens pinyin_tokens summary_tokens meta_tokens body_tokens} : "
    match = fts5_match(parsed, mode="and")
    assert match == (
        f'(({words}"near"*)) AND (({words}"党史") OR ({{ngram_tokens}} : "党史")) '
        f'AND (({words}"or"*)) AND (({words}"改革") OR ({{ngram_tokens}} : "改革"))'
    )
    assert tsquery(parsed, mode="or") == (
        "(('near':*ABC)) | (('党史':ABC) | (('党史':D))) | (('or':*ABC)) | "
        "(('改革':ABC) | (('改革':D)))"
    )
    assert tsquery(text.parse_query("dang"), mode="and", weights="A") == (
        "(('dang':*A))"
    )
    # A part of a word: its bigrams, in order, in the n-gram column only.
    partial = text.parse_query("过程人民").without_ngrams()
    assert "ngram" not in fts5_match(partial, mode="and")
    assert fts5_match(text.parse_query("杨匏安"), mode="and").endswith(
        '({ngram_tokens} : "杨匏 匏安"))'
    )
    assert "('杨匏':D <-> '匏安':D)" in tsquery(text.parse_query("杨匏安"), mode="and")


def test_highlight_marks_words_and_escapes_the_rest():
    parsed = text.parse_query("党史")
    assert (
        text.highlight("<b>党史</b> & 学习", parsed)
        == "&lt;b&gt;<mark>党史</mark>&lt;/b&gt; &amp; 学习"
    )


def test_u_umlaut_is_found_typed_as_v_as_u_or_as_itself():
    """绿 is lǜ: keyboards type lv, many people type lu, some type lü (which folds
    to lu); each finds and marks it."""
    tokens = set(text.pinyin_tokens("绿色发展").split())
    assert {"lvse", "luse", "lvsefazhan", "lusefazhan", "lsfz"} <= tokens
    for query in ("lvse", "luse", "lüse", "LǙSE"):
        parsed = text.parse_query(query)
        assert parsed.pinyin, query
        assert text.highlight("绿色发展", parsed) == "<mark>绿色</mark>发展", query
    assert {"funv", "funu"} <= set(text.pinyin_tokens("妇女").split())


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


# --- issue 11: one script, partial words, pinyin in pieces ------------------------


def test_normalise_folds_script_width_accents_and_case():
    from search.text import aligned_fold, normalise

    assert normalise("黨史學習教育") == "党史学习教育"
    assert normalise("ＤＡＮＧ　ＳＨＩ") == "dang shi"
    assert normalise("Dǎng Shǐ") == "dang shi"
    assert normalise("乾隆") == "乾隆"  # a phrase OpenCC keeps
    stored = "越秀區黨建（ＶＲ）"
    assert len(aligned_fold(stored)) == len(stored)
    assert aligned_fold(stored) == "越秀区党建(vr)"


def test_parse_query_reads_pinyin_in_pieces_tones_and_capitals():
    from search.text import parse_query

    for query in ("dang shi", "Dǎng Shǐ", "dang3shi3", "DANG SHI", "dangshi"):
        parsed = parse_query(query)
        assert parsed.words == ("dangshi",), query
        assert parsed.groups[0].alternatives[0][0].text == "dangshi"
    assert parse_query("mp4").words == ("mp4",)  # not pinyin: the digit stays
    assert parse_query("VR 体验").words == ("vr", "体验")


def test_parse_query_adds_bigrams_for_parts_of_words():
    from search.text import Term, ngram_tokens, parse_query

    parsed = parse_query("匏安")  # jieba leaves it in single characters
    assert parsed.words == ("匏安",)
    assert (Term("匏安", ngram=True),) in parsed.groups[0].alternatives
    assert ngram_tokens("陳明華、VR") == "陈明 明华"


def test_parse_query_drops_question_words_and_applies_synonyms():
    from search.synonyms import synonym_groups_build
    from search.text import parse_query

    assert parse_query("广州起义是哪一年发生的").words == ("广州起义",)
    assert parse_query("农讲所在哪里").words == ("农讲所",)
    synonyms = synonym_groups_build([["农讲所", "农民运动讲习所"]])
    parsed = parse_query("農講所", synonyms=synonyms)
    texts = {t.text for alt in parsed.groups[0].alternatives for t in alt}
    assert {"农讲所", "农民运动讲习所"} <= texts
    assert "农民运动讲习所" in parsed.marks


def test_spelling_prefers_homophones_then_edit_distance():
    from search.spelling import did_you_mean, edit_distance, nearest, vocabulary_build

    vocabulary = vocabulary_build(["党史学习教育", "杨匏安：先驱", "赵丽", "党史"])
    assert nearest("党使", vocabulary) == "党史"
    assert nearest("杨匏按", vocabulary) == "杨匏安"
    assert nearest("dangshu", vocabulary) == "党史"
    assert nearest("量子计算机", vocabulary) == ""
    assert edit_distance("kitten", "sitting", 5) == 3
    assert did_you_mean(["党使", "赵丽"], vocabulary, found_alone=lambda w: False) == (
        "党史 赵丽"
    )
    assert did_you_mean(["赵丽"], vocabulary, found_alone=lambda w: False) == ""


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("农讲所", "至少需要两个"),
        ("农讲所，農講所", "至少需要两个"),
        ("a => b, c", "只能包含"),
        ("x," + "长" * 60, "过长"),
    ],
)
def test_synonym_groups_are_checked(raw, problem):
    from search.synonyms import synonym_terms_problem

    assert problem in synonym_terms_problem(raw)
    assert synonym_terms_problem("农讲所，农民运动讲习所") == ""
