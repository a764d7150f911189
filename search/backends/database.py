"""The default backend: full-text search in the project's own database.

SQLite uses the FTS5 table of migrations 0002/0003 and ranks with bm25 (column
weights title 10, pinyin 8, summary 4, lecturer/topic/tags and their pinyin 3, body
1, character bigrams 0.2); PostgreSQL uses the weighted ``tsvector`` column
(A/B/C, bigrams D) with ``ts_rank``. Both see the same folded (simplified,
half-width) jieba-segmented tokens, at index time and at query time
(``search.text``). Whole words match in every column but the bigrams; a word's
bigrams, as a phrase, only there, so partial words are found and rank below whole
ones. The editors' synonyms are expanded when the query is parsed.

Each vendor's reading statements are written out whole in one class
(``SqliteStatements``, ``PostgresStatements``) with parameters bound by name; the
match expressions (``fts5_match``, ``tsquery``) are parameters too, never spliced.
Every statement keeps only the documents the query's ``Visibility`` admits, so a
document the index still holds after its page was unpublished, restricted, moved
or deleted is never counted, faceted or returned.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

from django.db import connections, transaction
from django.utils import timezone

from dangke.cache import ProcessCache
from search import text
from search.backends.base import (
    KINDS,
    FacetCount,
    IndexDocument,
    Progress,
    SearchBackend,
    SearchHit,
    SearchQuery,
    SearchResults,
    Suggestion,
    Visibility,
)
from search.models import SearchDocument, SearchFacetValue
from search.synonyms import synonym_map

BATCH = 500
FACET_LIMIT = 20
KIND_LABELS = dict(SearchDocument.Kind.choices)
# Index writes: one prepared statement run for many rows (``_insert``).
_DOCUMENT_COLUMNS = (
    "key kind ref object_id title summary body lecturers tags year detail_url "
    "title_tokens pinyin_tokens summary_tokens meta_tokens body_tokens ngram_tokens"
).split()
INSERT_DOCUMENT = """
    INSERT INTO search_document (
        "key", kind, ref, object_id, title, summary, body, lecturers, tags, year,
        detail_url, title_tokens, pinyin_tokens, summary_tokens, meta_tokens,
        body_tokens, ngram_tokens, indexed_at)
    VALUES (
        %(key)s, %(kind)s, %(ref)s, %(object_id)s, %(title)s, %(summary)s, %(body)s,
        %(lecturers)s, %(tags)s, %(year)s, %(detail_url)s, %(title_tokens)s,
        %(pinyin_tokens)s, %(summary_tokens)s, %(meta_tokens)s, %(body_tokens)s,
        %(ngram_tokens)s, %(indexed_at)s)
"""
INSERT_FACET = """
    INSERT INTO search_document_facet (document_id, facet, value, label)
    VALUES (%s, %s, %s, %s)
"""
WORD_COLUMNS = "{title_tokens pinyin_tokens summary_tokens meta_tokens body_tokens}"
TITLE_COLUMNS = "{title_tokens pinyin_tokens}"


def fts5_match(parsed: text.ParsedQuery, *, mode: str, title_only: bool = False) -> str:
    """An FTS5 MATCH expression; every token is a quoted string, never syntax."""
    columns = TITLE_COLUMNS if title_only else WORD_COLUMNS

    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    def term(t: text.Term) -> str:
        if t.ngram:
            return "{ngram_tokens} : " + quoted(" ".join(text.bigrams(t.text)))
        return f"{columns} : " + quoted(t.text) + ("*" if t.prefix else "")

    groups = [
        "("
        + " OR ".join(
            "(" + " AND ".join(map(term, alt)) + ")" for alt in g.alternatives
        )
        + ")"
        for g in parsed.groups
    ]
    return f" {mode.upper()} ".join(groups)


def tsquery(parsed: text.ParsedQuery, *, mode: str, weights: str = "ABC") -> str:
    """A ``to_tsquery`` string; every token is a quoted lexeme, never syntax.
    Whole words carry ``weights``; a word's bigrams are a phrase of weight D."""

    def lexeme(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"

    def term(t: text.Term) -> str:
        if t.ngram:
            return (
                "(" + " <-> ".join(f"{lexeme(b)}:D" for b in text.bigrams(t.text)) + ")"
            )
        return lexeme(t.text) + ":" + ("*" if t.prefix else "") + weights

    groups = [
        "("
        + " | ".join("(" + " & ".join(map(term, alt)) + ")" for alt in g.alternatives)
        + ")"
        for g in parsed.groups
    ]
    return (" & " if mode == "and" else " | ").join(groups)


def prefix_everything(parsed: text.ParsedQuery) -> text.ParsedQuery:
    groups = tuple(
        text.TermGroup(
            tuple(
                tuple(t if t.ngram else text.Term(t.text, prefix=True) for t in alt)
                for alt in g.alternatives
            )
        )
        for g in parsed.groups
    )
    return text.ParsedQuery(groups, parsed.marks, parsed.pinyin, parsed.words)


# The visible ids of a search travel as one parameter on PostgreSQL; a site has
# tens of thousands of pages, and sorting them was a fifth of a search's time. A
# frozenset keeps its hash, so the same visibility (one per request, or one per
# process while nothing changes) is looked up without being read again.
@lru_cache(maxsize=8)
def _sorted_ids(values: frozenset[int]) -> list[int]:
    return sorted(values)


# The end of both vendors' ``SEARCH``: the counts per type and year ("count":
# year, kind, n) and, when asked, per topic and lecturer ("facet": facet, value,
# label, n), of the matches. ``CROSS JOIN`` keeps SQLite's loop over the matches
# (a few) outside the facet values (all); PostgreSQL's planner orders it freely.
COUNTS_AND_FACETS = """
        UNION ALL
        SELECT 'count', year, NULL, NULL, kind, NULL, NULL, COUNT(*)
        FROM matches
        GROUP BY kind, year
        UNION ALL
        SELECT 'facet', NULL, NULL, NULL, f.facet, f.value, f.label, COUNT(*)
        FROM matches m
        CROSS JOIN search_document_facet f
        WHERE f.document_id = m.id AND %(facets)s
        GROUP BY f.facet, f.value, f.label
"""


class SqliteStatements:
    """The reading statements on SQLite: FTS5's ``search_document_fts`` (kept in
    step with ``search_document`` by triggers), ranked by ``bm25`` with the column
    weights title 10, pinyin 8, summary 4, lecturer/topic/tags 3, body 1, bigrams
    0.2; a lower score ranks first. Id sets travel as one JSON array each, read by
    ``json_each``. A filter whose parameter is NULL is off.

    The visibility is applied as what to leave out (``sqlite_hidden``): the
    rows up to ``indexed_up_to`` whose page or lecturer is hidden, usually none.
    Reading the visible ids themselves (tens of thousands) through ``json_each``
    built a temporary B-tree of all of them in every statement: 16 ms at 20,000
    ids, 90 ms at 100,000, whatever the query matched."""

    descending = False

    # The answer, its match run once: the ranked page ("hit": id, score, tier),
    # then ``COUNTS_AND_FACETS``. Every count is of the same documents as the
    # total; only a page of rows leaves the database.
    PAGE = """
        WITH matches AS MATERIALIZED (
            SELECT d.id, d.kind, d.year,
                   bm25(search_document_fts, 10.0, 8.0, 4.0, 3.0, 1.0, 0.2) AS score,
                   d.id IN (
                       SELECT rowid FROM search_document_fts
                       WHERE search_document_fts MATCH %(title_match)s
                   ) AS title_tier
            FROM search_document_fts
            JOIN search_document d ON d.id = search_document_fts.rowid
            WHERE search_document_fts MATCH %(match)s
              AND (%(kind)s IS NULL OR d.kind = %(kind)s)
              AND (%(year)s IS NULL OR d.year = %(year)s)
              AND (%(topic)s IS NULL OR d.id IN (
                      SELECT document_id FROM search_document_facet
                      WHERE facet = 'topic' AND value = %(topic)s))
              AND (%(lecturer)s IS NULL OR d.id IN (
                      SELECT document_id FROM search_document_facet
                      WHERE facet = 'lecturer' AND value = %(lecturer)s))
              AND d.id <= %(indexed_up_to)s
              AND NOT CASE WHEN d.kind = 'lecturer'
                       THEN d.object_id IN (
                           SELECT value FROM json_each(%(hidden_lecturers)s))
                       ELSE d.object_id IN (
                           SELECT value FROM json_each(%(hidden_pages)s))
                  END
        )
        SELECT * FROM (
            SELECT 'hit' AS part, id AS number, score AS score,
                   title_tier AS tier, NULL AS facet, NULL AS value,
                   NULL AS label, NULL AS n
            FROM matches
            ORDER BY title_tier DESC, score ASC, id
            LIMIT %(limit)s OFFSET %(offset)s
        ) AS page
    """
    SEARCH = PAGE + COUNTS_AND_FACETS

    SUGGESTIONS = """
        SELECT d.title, d.kind, d.ref, d.detail_url
        FROM search_document_fts
        JOIN search_document d ON d.id = search_document_fts.rowid
        WHERE search_document_fts MATCH %(match)s
          AND d.id <= %(indexed_up_to)s
          AND NOT CASE WHEN d.kind = 'lecturer'
                   THEN d.object_id IN (
                       SELECT value FROM json_each(%(hidden_lecturers)s))
                   ELSE d.object_id IN (
                       SELECT value FROM json_each(%(hidden_pages)s))
              END
        ORDER BY bm25(search_document_fts, 10.0, 8.0, 4.0, 3.0, 1.0, 0.2), d.id
        LIMIT %(limit)s
    """

    @staticmethod
    def match(parsed: text.ParsedQuery, *, mode: str, title_only: bool = False) -> str:
        return fts5_match(parsed, mode=mode, title_only=title_only)

    DOCUMENTS = """
        SELECT id, ref, kind, object_id, title, summary, body, lecturers, tags,
               year, detail_url
        FROM search_document
        WHERE id IN (SELECT value FROM json_each(%(documents)s))
    """

    DOCUMENT_TOPICS = """
        SELECT document_id, value, label
        FROM search_document_facet
        WHERE document_id IN (SELECT value FROM json_each(%(documents)s))
          AND +facet = 'topic'
        ORDER BY id
    """

    @staticmethod
    def ids(values: Iterable[int]) -> str:
        return json.dumps(sorted(values))


class PostgresStatements:
    """The reading statements on PostgreSQL: the weighted ``search_vector``
    column (A/B/C, bigrams D) ranked by ``ts_rank``; a higher score ranks first.
    Id sets travel as one integer array each. A filter whose parameter is NULL is
    off."""

    descending = True

    # The answer, its match run once: the ranked page ("hit": id, score, tier),
    # then ``COUNTS_AND_FACETS``. Every count is of the same documents as the
    # total; only a page of rows leaves the database.
    PAGE = """
        WITH matches AS MATERIALIZED (
            SELECT d.id, d.kind, d.year,
                   ts_rank(d.search_vector, to_tsquery('simple', %(match)s)) AS score,
                   CASE WHEN d.search_vector @@ to_tsquery('simple', %(title_match)s)
                        THEN 1 ELSE 0 END AS title_tier
            FROM search_document d
            WHERE d.search_vector @@ to_tsquery('simple', %(match)s)
              AND (%(kind)s::text IS NULL OR d.kind = %(kind)s)
              AND (%(year)s::integer IS NULL OR d.year = %(year)s)
              AND (%(topic)s::text IS NULL OR d.id IN (
                      SELECT document_id FROM search_document_facet
                      WHERE facet = 'topic' AND value = %(topic)s))
              AND (%(lecturer)s::text IS NULL OR d.id IN (
                      SELECT document_id FROM search_document_facet
                      WHERE facet = 'lecturer' AND value = %(lecturer)s))
              AND CASE WHEN d.kind = 'lecturer'
                       THEN d.object_id = ANY(%(visible_lecturers)s::integer[])
                       ELSE d.object_id = ANY(%(visible_pages)s::integer[])
                  END
        )
        SELECT * FROM (
            SELECT 'hit'::text AS part, id AS number, score::float8 AS score,
                   title_tier AS tier, NULL::text AS facet, NULL::text AS value,
                   NULL::text AS label, NULL::bigint AS n
            FROM matches
            ORDER BY title_tier DESC, score DESC, id
            LIMIT %(limit)s OFFSET %(offset)s
        ) AS page
    """
    SEARCH = PAGE + COUNTS_AND_FACETS

    SUGGESTIONS = """
        SELECT d.title, d.kind, d.ref, d.detail_url
        FROM search_document d
        WHERE d.search_vector @@ to_tsquery('simple', %(match)s)
          AND CASE WHEN d.kind = 'lecturer'
                   THEN d.object_id = ANY(%(visible_lecturers)s::integer[])
                   ELSE d.object_id = ANY(%(visible_pages)s::integer[])
              END
        ORDER BY ts_rank(d.search_vector, to_tsquery('simple', %(match)s)) DESC,
                 d.id
        LIMIT %(limit)s
    """

    @staticmethod
    def match(parsed: text.ParsedQuery, *, mode: str, title_only: bool = False) -> str:
        return tsquery(parsed, mode=mode, weights="A" if title_only else "ABC")

    DOCUMENTS = """
        SELECT id, ref, kind, object_id, title, summary, body, lecturers, tags,
               year, detail_url
        FROM search_document
        WHERE id = ANY(%(documents)s::integer[])
    """

    # ``facet || ''``: the document ids are the selective part; filtering on the
    # facet as such lets the planner pick the (facet, value) index instead.
    DOCUMENT_TOPICS = """
        SELECT document_id, value, label
        FROM search_document_facet
        WHERE document_id = ANY(%(documents)s::integer[])
          AND facet || '' = 'topic'
        ORDER BY id
    """

    @staticmethod
    def ids(values: Iterable[int]) -> list[int]:
        return sorted(values)

    @classmethod
    def visibility(cls, visible: Visibility) -> dict[str, list[int]]:
        return {
            "visible_pages": _sorted_ids(visible.page_ids),
            "visible_lecturers": _sorted_ids(visible.lecturer_ids),
        }


# SQLite: what the index holds that may not be shown, per visibility, kept under
# the index's last id (``dangke.cache``).
_hidden = ProcessCache("search.hidden", ttl=None, max_entries=4)


def sqlite_hidden(using: str, visible: Visibility) -> dict:
    """``SqliteStatements``' visibility parameters: the rows up to
    ``indexed_up_to`` (the last id now) whose page or lecturer ``visible`` does
    not admit, as two JSON arrays of object ids.

    Exact, not an approximation: ids only grow (``AUTOINCREMENT``; SQLite has one
    writer at a time, so a row with a lower id is never committed later), and a
    row added after ``indexed_up_to`` is left out until the next search, which
    reads the new last id and rebuilds. Inside a transaction the rows read may be
    rolled back and their ids used again, so nothing read there is kept."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM search_document")
        (up_to,) = cursor.fetchone()

    def build() -> dict:
        pages, lecturers = set(), set()
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT kind, object_id FROM search_document WHERE id <= %s", [up_to]
            )
            for kind, object_id in cursor.fetchall():
                if kind == "lecturer":
                    if object_id not in visible.lecturer_ids:
                        lecturers.add(object_id)
                elif object_id not in visible.page_ids:
                    pages.add(object_id)
        return {
            "indexed_up_to": up_to,
            "hidden_pages": json.dumps(sorted(pages)),
            "hidden_lecturers": json.dumps(sorted(lecturers)),
        }

    if connections[using].in_atomic_block:
        return build()
    return _hidden.get_or_build((using, visible), build, stamp=up_to)


def document_row(doc: IndexDocument) -> tuple[SearchDocument, list[SearchFacetValue]]:
    """The unsaved row (with its tokens) and facet values for ``doc``."""
    names = [*doc.lecturers, *(title for _, title in doc.topics), *doc.tags]
    row = SearchDocument(
        key=doc.key,
        kind=doc.kind,
        ref=doc.ref[:300],
        object_id=doc.object_id,
        title=doc.title[:255],
        summary=doc.summary,
        body=doc.body,
        lecturers="、".join(doc.lecturers)[:500],
        tags="、".join(doc.tags)[:500],
        year=doc.year,
        detail_url=doc.detail_url,
        title_tokens=text.segment(doc.title),
        pinyin_tokens=text.pinyin_tokens(doc.title),
        summary_tokens=text.segment(doc.summary),
        meta_tokens=" ".join(
            filter(None, [text.segment(doc.meta_text), text.pinyin_of_names(names)])
        ),
        body_tokens=text.segment(doc.body),
        ngram_tokens=text.ngram_tokens(" ".join([doc.title, *names])),
    )
    facets = [
        SearchFacetValue(facet="topic", value=slug[:255], label=title[:255])
        for slug, title in doc.topics
    ] + [
        SearchFacetValue(facet="lecturer", value=name[:255], label=name[:255])
        for name in doc.lecturers
    ]
    return row, facets


class DatabaseBackend(SearchBackend):
    name = "database"

    def __init__(self, using: str = "default"):
        self.using = using

    @property
    def vendor(self) -> str:
        return connections[self.using].vendor

    # --- writing ------------------------------------------------------------------

    def _insert(self, rows: list[tuple[SearchDocument, list[SearchFacetValue]]]):
        """Write ``rows`` (none of whose keys is stored) and their facet values.

        One prepared INSERT run for every row (``executemany``) and the ids read
        back by key: ``bulk_create`` built a statement of 58 rows at a time on
        SQLite (its 999-parameter limit) and spent more time composing SQL than
        the engine spent indexing (docs/search.md, "Where the time goes").
        """
        if not rows:
            return
        connection = connections[self.using]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.executemany(
                INSERT_DOCUMENT,
                [
                    {
                        **{name: getattr(row, name) for name in _DOCUMENT_COLUMNS},
                        "indexed_at": now,
                    }
                    for row, _ in rows
                ],
            )
            keys = [row.key for row, values in rows if values]
            ids: dict[str, int] = {}
            for start in range(0, len(keys), BATCH):
                ids.update(
                    SearchDocument.objects.using(self.using)
                    .filter(key__in=keys[start : start + BATCH])
                    .values_list("key", "pk")
                )
            facets = [
                (ids[row.key], value.facet, value.value, value.label)
                for row, values in rows
                for value in values
            ]
            if facets:
                cursor.executemany(INSERT_FACET, facets)

    def index(self, documents: Iterable[IndexDocument]) -> int:
        rows = [document_row(doc) for doc in documents]
        if not rows:
            return 0
        with transaction.atomic(using=self.using):
            self._delete_keys([row.key for row, _ in rows])
            self._insert(rows)
        return len(rows)

    def _delete_keys(self, keys: list[str]) -> int:
        ids = list(
            SearchDocument.objects.using(self.using)
            .filter(key__in=keys)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        SearchFacetValue.objects.using(self.using).filter(document_id__in=ids).delete()
        SearchDocument.objects.using(self.using).filter(pk__in=ids).delete()
        return len(ids)

    def delete(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        if not keys:
            return 0
        with transaction.atomic(using=self.using):
            return self._delete_keys(keys)

    def rebuild(
        self, documents: Iterable[IndexDocument], *, progress: Progress | None = None
    ) -> int:
        # One transaction: readers keep seeing the old index until the commit.
        count = 0
        iterator: Iterator[IndexDocument] = iter(documents)
        with transaction.atomic(using=self.using):
            with connections[self.using].cursor() as cursor:
                cursor.execute("DELETE FROM search_document_facet")
                cursor.execute("DELETE FROM search_document")
            while batch := list(islice(iterator, BATCH)):
                self._insert([document_row(doc) for doc in batch])
                count += len(batch)
                if progress:
                    progress(len(batch))
        return count

    # --- reading ------------------------------------------------------------------

    def count(self) -> int:
        return SearchDocument.objects.using(self.using).count()

    def health(self) -> dict:
        try:
            with connections[self.using].cursor() as cursor:
                if self.vendor == "sqlite":
                    cursor.execute("SELECT count(*) FROM search_document_fts")
                else:
                    cursor.execute(
                        "SELECT count(*) FROM search_document "
                        "WHERE search_vector IS NOT NULL"
                    )
                indexed = cursor.fetchone()[0]
        except Exception as exc:  # noqa: BLE001 - any failure is a red status
            # The class only: a message may name hosts or credentials.
            return {"backend": self.name, "status": "red", "detail": type(exc).__name__}
        return {
            "backend": self.name,
            "engine": self.vendor,
            "status": "green",
            "documents": indexed,
        }

    @property
    def statements(self) -> type[SqliteStatements] | type[PostgresStatements]:
        return SqliteStatements if self.vendor == "sqlite" else PostgresStatements

    def _visibility(self, visible: Visibility) -> dict:
        """The parameters that keep a statement to what ``visible`` admits."""
        if self.vendor != "sqlite":
            return PostgresStatements.visibility(visible)
        return sqlite_hidden(self.using, visible)

    def _fetch(self, sql: str, params: dict) -> list[tuple]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def search(self, query: SearchQuery, *, visible: Visibility) -> SearchResults:
        parsed = text.parse_query(query.text, synonyms=synonym_map())
        empty = SearchResults(query.text, 0, query.page, query.page_size, [], {})
        if parsed.is_empty:
            return empty
        statements = self.statements
        filters = {
            "kind": query.kind,
            "year": query.year or None,
            "topic": query.topic,
            "lecturer": query.lecturer,
            **self._visibility(visible),
        }
        # All words first; when nothing has all of them, any of them. One statement
        # gives the page, the count, and the facets.
        modes = ("and", "or") if len(parsed.groups) > 1 else ("and",)
        for mode in modes:
            rows = self._fetch(
                statements.SEARCH,
                {
                    "match": statements.match(parsed, mode=mode),
                    # 1 when the title (or its pinyin) has the words whole: such
                    # documents come first, as bm25's whole-document length
                    # normalisation can otherwise put a short document that
                    # mentions the words in its summary above a long one titled
                    # with them; a part of a title word (bigrams) does not count.
                    "title_match": statements.match(
                        parsed.without_ngrams(), mode=mode, title_only=True
                    ),
                    "limit": query.page_size,
                    "offset": (query.page - 1) * query.page_size,
                    "facets": bool(query.facets),
                    **filters,
                },
            )
            counts = [(row[4], row[1], row[7]) for row in rows if row[0] == "count"]
            if counts:
                break
        else:
            return empty
        match = "all" if mode == "and" or len(parsed.groups) == 1 else "any"
        sign = -1 if statements.descending else 1
        ranked = sorted(
            ((row[1], row[2], row[3]) for row in rows if row[0] == "hit"),
            key=lambda hit: (-hit[2], sign * hit[1], hit[0]),
        )
        facets = (
            self._facets(counts, [row[4:] for row in rows if row[0] == "facet"])
            if query.facets
            else {}
        )
        hits = self._hits([(row[0], row[1]) for row in ranked], parsed)
        return SearchResults(
            query.text,
            sum(number for _, _, number in counts),
            query.page,
            query.page_size,
            hits,
            facets,
            match=match,
        )

    @staticmethod
    def _facets(
        counts: list[tuple[str, int | None, int]], rows: list[tuple]
    ) -> dict[str, list[FacetCount]]:
        """Type and year from the counts per type and year, topic and lecturer
        from the counts of their facet values."""
        by_kind: dict[str, int] = defaultdict(int)
        by_year: dict[int, int] = defaultdict(int)
        for kind, year, number in counts:
            by_kind[kind] += number
            if year:
                by_year[year] += number
        values: dict[str, list[FacetCount]] = {"topic": [], "lecturer": []}
        for facet, value, label, number in rows:
            values[facet].append(FacetCount(value, label, number))
        for facet in values:
            values[facet] = sorted(values[facet], key=lambda f: (-f.count, f.label))[
                :FACET_LIMIT
            ]
        return {
            "type": [
                FacetCount(kind, KIND_LABELS[kind], by_kind[kind])
                for kind in KINDS
                if by_kind.get(kind)
            ],
            "topic": values["topic"],
            "lecturer": values["lecturer"],
            "year": [
                FacetCount(str(year), f"{year}年", number)
                for year, number in sorted(by_year.items(), reverse=True)
            ],
        }

    def _hits(self, ranked: list[tuple], parsed: text.ParsedQuery) -> list[SearchHit]:
        """The page's hits, highlighted. Two plain statements: composing the same
        reads through the ORM cost more than running them."""
        if not ranked:
            return []
        statements = self.statements
        page = {"documents": statements.ids(row[0] for row in ranked)}
        documents = {row[0]: row for row in self._fetch(statements.DOCUMENTS, page)}
        topics: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for document_id, value, label in self._fetch(statements.DOCUMENT_TOPICS, page):
            topics[document_id].append((value, label))
        hits = []
        for document_id, score in ranked:
            _, ref, kind, object_id, title, summary, body, *rest = documents[
                document_id
            ]
            lecturers, tags, year, detail_url = rest
            hits.append(
                SearchHit(
                    ref=ref,
                    kind=kind,
                    object_id=object_id,
                    title=title,
                    title_highlight=text.highlight(title, parsed),
                    snippet=text.snippet([summary, body, lecturers, tags], parsed),
                    lecturers=tuple(filter(None, lecturers.split("、"))),
                    topics=tuple(topics[document_id]),
                    tags=tuple(filter(None, tags.split("、"))),
                    year=year,
                    detail_url=detail_url,
                    score=abs(float(score)),
                )
            )
        return hits

    def suggest(
        self, text_: str, *, visible: Visibility, limit: int = 8
    ) -> list[Suggestion]:
        parsed = text.parse_query(text_)
        if parsed.is_empty:
            return []
        statements = self.statements
        rows = self._fetch(
            statements.SUGGESTIONS,
            {
                "match": statements.match(
                    prefix_everything(parsed), mode="and", title_only=True
                ),
                "limit": limit,
                **self._visibility(visible),
            },
        )
        return [Suggestion(*row) for row in rows]

    # --- spelling help ------------------------------------------------------------

    def vocabulary_stamp(self) -> tuple:
        row = self._fetch(
            "SELECT COUNT(*), MAX(indexed_at), MAX(id) FROM search_document", {}
        )[0]
        return (self.vendor, *(str(value) for value in row))

    def vocabulary(self) -> Iterator[str]:
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT title, lecturers, tags FROM search_document")
            while rows := cursor.fetchmany(2000):
                for title, lecturers, tags in rows:
                    yield title
                    yield from filter(None, (lecturers or "").split("、"))
                    yield from filter(None, (tags or "").split("、"))
            cursor.execute(
                "SELECT DISTINCT label FROM search_document_facet WHERE facet = %s",
                ["topic"],
            )
            for (label,) in cursor.fetchall():
                yield label
