"""The database backend's statements: one per vendor, written out whole, with
named parameters, and the visibility applied inside them."""

from __future__ import annotations

import re

import pytest

from search.backends.base import IndexDocument, SearchQuery, Visibility
from search.backends.database import (
    DatabaseBackend,
    PostgresStatements,
    SqliteStatements,
)

STATEMENTS = [
    (vendor, name)
    for vendor in (SqliteStatements, PostgresStatements)
    for name in ("SEARCH", "SUGGESTIONS", "DOCUMENTS", "DOCUMENT_TOPICS")
]


@pytest.mark.parametrize(("vendor", "name"), STATEMENTS)
def test_statements_bind_every_parameter_by_name(vendor, name):
    statement = getattr(vendor, name)
    assert "%s" not in statement and "{" not in statement
    assert re.findall(r"%\((\w+)\)s", statement)
    # Nothing but named parameters and no literal percent sign (which the
    # drivers' pyformat would read as a placeholder).
    assert not re.search(r"%(?!\(\w+\)s)", statement)


def _document(number: int, kind: str = "lesson") -> IndexDocument:
    return IndexDocument(
        key=f"{kind}:{number}",
        kind=kind,
        ref=f"{kind}:statement-{number}",
        object_id=number,
        title=f"统一战线第{number}讲",
        summary="统一战线的历史经验。",
        lecturers=("吴建国",),
        topics=(("united-front", "统一战线专题"),),
        year=2026,
        detail_url=f"/api/v3/pages/{number}/",
    )


@pytest.mark.django_db
def test_visibility_decides_total_facets_pages_and_suggestions():
    backend = DatabaseBackend()
    backend.index([_document(n) for n in (801, 802, 803)] + [_document(9, "lecturer")])
    every = Visibility(frozenset({801, 802, 803}), frozenset({9}))
    two = Visibility(frozenset({801, 803}), frozenset())
    query = SearchQuery(text="统一战线", page_size=1)

    results = backend.search(query, visible=every)
    assert results.total == 4
    assert {f.value: f.count for f in results.facets["type"]} == {
        "lesson": 3,
        "lecturer": 1,
    }

    results = backend.search(query, visible=two)
    assert results.total == 2
    assert {f.value: f.count for f in results.facets["type"]} == {"lesson": 2}
    assert [(f.value, f.count) for f in results.facets["topic"]] == [
        ("united-front", 2)
    ]
    assert [(f.value, f.count) for f in results.facets["year"]] == [("2026", 2)]
    second = backend.search(
        SearchQuery(text="统一战线", page=2, page_size=1), visible=two
    )
    assert {results.hits[0].object_id, second.hits[0].object_id} == {801, 803}
    filtered = backend.search(
        SearchQuery(text="统一战线", kind="lecturer"), visible=two
    )
    assert filtered.total == 0

    titles = [s.title for s in backend.suggest("统一", visible=two)]
    assert sorted(titles) == ["统一战线第801讲", "统一战线第803讲"]
    nothing = Visibility(frozenset(), frozenset())
    assert backend.search(query, visible=nothing).total == 0
    assert backend.suggest("tyzx", visible=nothing) == []
