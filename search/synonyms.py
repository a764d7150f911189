"""The editors' synonym groups, as the query parser and Elasticsearch use them.

A group is two or more terms that mean the same (农讲所，农民运动讲习所). The
database backend expands a query with them when it parses it; Elasticsearch gets
them as a ``synonym_graph`` filter in its query-time analyzer (``es_rules``), so
both backends answer the same. Terms are normalised like all text (simplified,
half-width, lower case), so a group written in either script works for both.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.db import connections, router

from dangke.cache import ProcessCache
from search import text

SEPARATORS = re.compile(r"[,，、;；\n\r]+")
MAX_TERM_LENGTH = 50
MAX_TERMS = 20
DEMO_SYNONYMS = Path(__file__).with_name("synonyms.txt")
SYNONYM_STAMP = "SELECT COUNT(*), MAX(updated_at) FROM search_synonym"
_TERM = re.compile(r"^[^\W_]+(?: [^\W_]+)*$")

# Kept under the groups' stamp (count, latest change): an editor's change in any
# process is seen by the next query (``dangke.cache``).
_synonym_maps = ProcessCache("search.synonyms", ttl=None, max_entries=1)


def synonym_terms_split(raw: str) -> list[str]:
    """The distinct terms of a group as written (normalised), in order."""
    terms = (" ".join(part.split()) for part in SEPARATORS.split(raw or ""))
    return list(dict.fromkeys(text.normalise(term) for term in terms if term))


def synonym_terms_problem(raw: str) -> str:
    """Why ``raw`` is not a usable group, or "" when it is."""
    terms = synonym_terms_split(raw)
    if len(terms) < 2:
        return "至少需要两个不同的词，用逗号、顿号或换行分隔"
    if len(terms) > MAX_TERMS:
        return f"一组最多 {MAX_TERMS} 个词，收到 {len(terms)} 个"
    for term in terms:
        if len(term) > MAX_TERM_LENGTH:
            return f"“{term[:20]}…”过长：每个词最多 {MAX_TERM_LENGTH} 个字符"
        if not _TERM.match(term):
            return f"“{term}”只能包含文字、字母和数字（词内可有空格）"
    keys = [synonym_key(term) for term in terms]
    if len(set(keys)) < 2:
        return "至少需要两个不同的词"
    return ""


def synonym_key(term: str) -> str:
    """What a run of query words must join to for ``term`` to apply."""
    return "".join(text._query_words(term))


def synonym_groups_build(groups: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """term key -> every term of the groups it belongs to (merged when a term is
    in two groups)."""
    mapping: dict[str, tuple[str, ...]] = {}
    for terms in groups:
        for term in terms:
            key = synonym_key(term)
            if key:
                mapping[key] = tuple(dict.fromkeys([*mapping.get(key, ()), *terms]))
    return mapping


def synonym_map() -> dict[str, tuple[str, ...]]:
    """The current groups as ``parse_query`` wants them. One small aggregate query
    tells whether an editor changed them since the last call."""
    from search.models import SearchSynonym

    # Raw SQL: composing the ORM aggregate cost more than running it, on every
    # search.
    with connections[router.db_for_read(SearchSynonym)].cursor() as cursor:
        cursor.execute(SYNONYM_STAMP)
        stamp = tuple(cursor.fetchone())

    def build() -> dict[str, tuple[str, ...]]:
        groups = [
            synonym_terms_split(raw)
            for raw in SearchSynonym.objects.order_by("pk").values_list(
                "terms", flat=True
            )
        ]
        return synonym_groups_build([g for g in groups if len(g) > 1])

    return _synonym_maps.get_or_build("map", build, stamp=stamp)


def es_rules(groups: list[list[str]]) -> list[str]:
    """Solr-format equivalence rules (``a, b, c``) for a ``synonym_graph`` filter.
    Terms hold only letters, digits and spaces (``synonym_terms_problem``), so no
    rule can carry ``=>`` or a comma of its own."""
    return [
        ", ".join(terms)
        for terms in groups
        if len(terms) > 1 and all(_TERM.match(t) for t in terms)
    ]
