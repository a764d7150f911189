"""SQLite applies a search's visibility as the rows to leave out
(``search.backends.database.sqlite_hidden``), kept per process under the index's
last id. These tests commit (``transaction=True``): inside a transaction nothing
is kept, and the kept path is the one a server takes."""

from __future__ import annotations

import pytest
from django.db import connection

from search.backends import database
from search.backends.base import IndexDocument, SearchQuery, Visibility
from search.backends.database import DatabaseBackend, SqliteStatements, sqlite_hidden

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="PostgreSQL passes the visible ids"
    ),
]

WORD = "省港大罢工"


def lesson(object_id: int) -> IndexDocument:
    return IndexDocument(
        key=f"page:{object_id}",
        kind="lesson",
        ref=f"lesson:strike-{object_id}",
        object_id=object_id,
        title=f"{WORD}第{object_id}讲",
    )


def visible(*page_ids: int) -> Visibility:
    return Visibility(page_ids=frozenset(page_ids), lecturer_ids=frozenset())


def found(backend: DatabaseBackend, seen: Visibility) -> list[int]:
    results = backend.search(SearchQuery(text=WORD), visible=seen)
    assert results.total == len(results.hits)
    return sorted(hit.object_id for hit in results.hits)


def test_what_is_hidden_follows_the_visibility_and_the_index():
    backend = DatabaseBackend()
    backend.index([lesson(1), lesson(2)])
    both = visible(1, 2)
    assert found(backend, both) == [1, 2]
    assert len(database._hidden) == 1  # kept: not inside a transaction
    # Another visibility is another entry, read afresh.
    assert found(backend, visible(1)) == [1]
    # A document indexed later moves the last id: the kept entry is not used, and
    # a page the visibility does not admit stays out.
    backend.index([lesson(3)])
    assert found(backend, both) == [1, 2]
    assert found(backend, visible(1, 2, 3)) == [1, 2, 3]
    # Deleting needs no new entry: the row is gone.
    backend.delete(["page:2"])
    assert found(backend, both) == [1]


def test_a_row_added_after_the_parameters_were_read_is_left_out():
    backend = DatabaseBackend()
    backend.index([lesson(1)])
    seen = visible(1)
    params = sqlite_hidden("default", seen)
    # Reindexed after the parameters were read: a new row (a new id), which a
    # statement run with them must not count, whatever its page.
    backend.index([lesson(1), lesson(4)])
    rows = backend._fetch(
        SqliteStatements.SEARCH,
        {
            "match": f'"{WORD}"',
            "title_match": f'"{WORD}"',
            "kind": None,
            "year": None,
            "topic": None,
            "lecturer": None,
            "limit": 10,
            "offset": 0,
            "facets": False,
            **params,
        },
    )
    assert [row for row in rows if row[0] == "count"] == []
    assert found(backend, seen) == [1]
