"""The starter synonym dictionary's party short forms (简称) and set phrases (提法):
every group is valid, a query in one form finds the documents written in another,
and ``match`` says ``all`` only when every word of the query matched."""

from __future__ import annotations

import pytest

from search import text
from search.backends.base import SearchQuery
from search.selectors import search_run
from search.synonyms import (
    DEMO_SYNONYMS,
    synonym_groups_build,
    synonym_terms_problem,
    synonym_terms_split,
)


def _groups() -> list[list[str]]:
    lines = DEMO_SYNONYMS.read_text(encoding="utf-8").splitlines()
    return [
        synonym_terms_split(line)
        for line in lines
        if line.strip() and not line.startswith("#")
    ]


def test_every_starter_group_is_a_valid_group():
    lines = [
        line
        for line in DEMO_SYNONYMS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) >= 25
    assert {line: synonym_terms_problem(line) for line in lines} == dict.fromkeys(
        lines, ""
    )


def _alternatives(query: str) -> list[set[tuple[str, ...]]]:
    parsed = text.parse_query(query, synonyms=synonym_groups_build(_groups()))
    return [
        {tuple(term.text for term in alt) for alt in group.alternatives}
        for group in parsed.groups
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # The campaign by its quoted full name: the punctuation falls away.
        ("“不忘初心、牢记使命”主题教育", ("主题教育",)),
        ("主题教育", ("不忘初心", "牢记使命", "主题教育")),
        ("不忘初心、牢记使命", ("初心使命",)),
        ("二十大", ("中国共产党", "第二十次", "全国代表大会")),
        ("党的十九届六中全会", ("十九届", "六中全会")),
        ("中国共产党第二十届中央委员会第三次全体会议", ("二十届", "三中全会")),
        ("两学一做", ("两学一做", "学习教育")),
        ("三会一课", ("三会一课", "制度")),
        ("四史", ("四史", "学习教育")),
        ("中共中央党校", ("中央党校",)),
    ],
)
def test_a_short_form_expands_to_its_full_forms(query, expected):
    (group,) = _alternatives(query)
    assert expected in group


def test_different_set_phrases_stay_apart():
    # 二十大 is a congress, 二十届三中全会 a plenum of its Central Committee.
    (congress,) = _alternatives("二十大")
    assert not any("三中全会" in alt for alt in congress)
    (plenum,) = _alternatives("十九届六中全会")
    assert not any("三中全会" in alt for alt in plenum)


@pytest.mark.django_db
def test_a_plenum_by_its_official_name_finds_the_lessons_on_it(demo):
    results = search_run(
        query=SearchQuery(text="中国共产党第二十届中央委员会第三次全体会议")
    )
    assert results.match == "all"
    assert "lesson:third-plenum-key-points" in [hit.ref for hit in results.hits]


@pytest.mark.django_db
def test_match_is_all_only_when_every_word_matched(demo):
    found = search_run(query=SearchQuery(text="党的三大"))
    assert found.match == "all"
    assert "lesson:third-congress-united-front" in [hit.ref for hit in found.hits]
    # A word nothing has: the synonym's documents come as the closest, not as all.
    partial = search_run(query=SearchQuery(text="党的三大 量子纠缠"))
    assert partial.match == "any"
    assert "lesson:third-congress-united-front" in [hit.ref for hit in partial.hits]
