"""The Elasticsearch backend, with documents defined through ``elasticsearch.dsl``.

The Chinese analyzer is chosen by ``ELASTICSEARCH_ANALYZER``:

- ``cjk`` (default, built into Elasticsearch): the standard tokenizer with
  ``cjk_width``, ``lowercase`` and ``cjk_bigram`` keeping unigrams, so two-character
  words match as bigrams and one-character queries (红) still match;
- ``smartcn``: the ``analysis-smartcn`` plugin's tokenizer;
- ``ik``: the IK plugin, ``ik_max_word`` at index time and ``ik_smart`` at query time.

Pinyin is computed in Python (``search.text.pinyin_tokens``) and indexed with an
edge n-gram analyzer, so no pinyin plugin is needed. Searches, suggestions, single
writes and deletes go through the alias ``ELASTICSEARCH_INDEX``; a rebuild fills a
new concrete index and switches the alias in one atomic ``update_aliases`` call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import (
    Document,
    Index,
    Integer,
    Keyword,
    Q,
    Search,
    Text,
    analyzer,
    token_filter,
)

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
)
from search.models import SearchDocument

TEXT_ANALYZER = "dangke_text"
SEARCH_ANALYZER = "dangke_search"
PINYIN_INDEX_ANALYZER = "dangke_pinyin_index"
PINYIN_SEARCH_ANALYZER = "dangke_pinyin_search"
SEARCH_FIELDS = ["title^4", "summary^2", "context^1.5", "body"]
FACET_SIZE = 20
KIND_LABELS = dict(SearchDocument.Kind.choices)


def _chinese_text(**extra) -> Text:
    return Text(analyzer=TEXT_ANALYZER, search_analyzer=SEARCH_ANALYZER, **extra)


class SearchEntry(Document):
    """One searchable thing in Elasticsearch (see ``IndexDocument``)."""

    key = Keyword()
    kind = Keyword()
    ref = Keyword()
    object_id = Integer()
    title = _chinese_text(fields={"raw": Keyword()})
    pinyin = Text(
        analyzer=PINYIN_INDEX_ANALYZER, search_analyzer=PINYIN_SEARCH_ANALYZER
    )
    summary = _chinese_text()
    context = _chinese_text()  # lecturers, topics and tags
    body = _chinese_text()
    lecturers = Keyword()
    topics = Keyword()  # topic slugs, for the filter
    topic_keys = Keyword()  # "slug|title", for the facet
    tags = Keyword()
    year = Integer()
    detail_url = Keyword(index=False)

    @classmethod
    def from_document(cls, doc: IndexDocument) -> SearchEntry:
        return cls(
            meta={"id": doc.key},
            key=doc.key,
            kind=doc.kind,
            ref=doc.ref,
            object_id=doc.object_id,
            title=doc.title,
            pinyin=text.pinyin_tokens(doc.title),
            summary=doc.summary,
            context=doc.meta_text,
            body=doc.body,
            lecturers=list(doc.lecturers),
            topics=[slug for slug, _ in doc.topics],
            topic_keys=[f"{slug}|{title}" for slug, title in doc.topics],
            tags=list(doc.tags),
            year=doc.year,
            detail_url=doc.detail_url,
        )


def chinese_analyzers(kind: str) -> list:
    """The index-time and query-time analyzers for ``ELASTICSEARCH_ANALYZER``."""
    if kind == "cjk":
        bigram = token_filter("dangke_bigram", "cjk_bigram", output_unigrams=True)
        filters = ["cjk_width", "lowercase", bigram]
        return [
            analyzer(TEXT_ANALYZER, tokenizer="standard", filter=filters),
            analyzer(SEARCH_ANALYZER, tokenizer="standard", filter=filters),
        ]
    if kind == "smartcn":
        return [
            analyzer(
                TEXT_ANALYZER, tokenizer="smartcn_tokenizer", filter=["lowercase"]
            ),
            analyzer(
                SEARCH_ANALYZER, tokenizer="smartcn_tokenizer", filter=["lowercase"]
            ),
        ]
    if kind == "ik":
        return [
            analyzer(TEXT_ANALYZER, tokenizer="ik_max_word", filter=["lowercase"]),
            analyzer(SEARCH_ANALYZER, tokenizer="ik_smart", filter=["lowercase"]),
        ]
    raise ValueError(f"ELASTICSEARCH_ANALYZER={kind!r} is not one of cjk, smartcn, ik")


def pinyin_analyzers() -> list:
    edge = token_filter("dangke_pinyin_edge", "edge_ngram", min_gram=1, max_gram=40)
    return [
        analyzer(
            PINYIN_INDEX_ANALYZER, tokenizer="whitespace", filter=["lowercase", edge]
        ),
        analyzer(PINYIN_SEARCH_ANALYZER, tokenizer="whitespace", filter=["lowercase"]),
    ]


def index_definition(name: str, analyzer_kind: str) -> Index:
    """A concrete index: settings, analysis and the ``SearchEntry`` mapping."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, max_ngram_diff=40)
    for definition in chinese_analyzers(analyzer_kind) + pinyin_analyzers():
        index.analyzer(definition)
    index.document(SearchEntry)
    return index


def _match_query(query_text: str, *, operator_and: bool) -> Q:
    extra = {"operator": "and"} if operator_and else {"minimum_should_match": "60%"}
    return Q(
        "multi_match",
        query=query_text,
        fields=SEARCH_FIELDS,
        boost=2 if operator_and else 1,
        **extra,
    )


def search_body(query: SearchQuery, *, alias: str, client=None) -> Search:
    """The ``Search`` for a query: text (never parsed as syntax), filters, facets,
    highlights and the page."""
    query_text = text.normalise(query.text)
    search = Search(using=client, index=alias).query(
        Q(
            "bool",
            should=[
                _match_query(query_text, operator_and=True),
                _match_query(query_text, operator_and=False),
                Q("match", pinyin={"query": query_text, "boost": 3}),
            ],
            minimum_should_match=1,
        )
    )
    if query.kind:
        search = search.filter("term", kind=query.kind)
    if query.topic:
        search = search.filter("term", topics=query.topic)
    if query.lecturer:
        search = search.filter("term", lecturers=query.lecturer)
    if query.year:
        search = search.filter("term", year=query.year)
    if query.facets:
        search.aggs.bucket("type", "terms", field="kind", size=len(KINDS))
        search.aggs.bucket("topic", "terms", field="topic_keys", size=FACET_SIZE)
        search.aggs.bucket("lecturer", "terms", field="lecturers", size=FACET_SIZE)
        search.aggs.bucket(
            "year", "terms", field="year", size=FACET_SIZE, order={"_key": "desc"}
        )
    search = (
        search.highlight_options(
            pre_tags=["<mark>"],
            post_tags=["</mark>"],
            encoder="html",
            fragment_size=80,
            number_of_fragments=1,
        )
        .highlight("title", number_of_fragments=0)
        .highlight("summary")
        .highlight("body")
        .source(excludes=["pinyin", "context"])
        .extra(track_total_hits=True)
    )
    start = (query.page - 1) * query.page_size
    return search[start : start + query.page_size]


def suggest_body(query_text: str, *, alias: str, limit: int, client=None) -> Search:
    query_text = text.normalise(query_text)
    return (
        Search(using=client, index=alias)
        .query(
            Q(
                "bool",
                should=[
                    Q("match_phrase_prefix", title={"query": query_text}),
                    Q("match", pinyin={"query": query_text}),
                ],
                minimum_should_match=1,
            )
        )
        .source(["title", "kind", "ref", "detail_url"])[:limit]
    )


def facets_from(aggregations) -> dict[str, list[FacetCount]]:
    def buckets(name):
        return getattr(aggregations, name).buckets if aggregations else []

    topics = []
    for bucket in buckets("topic"):
        slug, _, title = str(bucket.key).partition("|")
        topics.append(FacetCount(slug, title, bucket.doc_count))
    return {
        "type": [
            FacetCount(b.key, KIND_LABELS.get(b.key, b.key), b.doc_count)
            for b in buckets("type")
        ],
        "topic": topics,
        "lecturer": [
            FacetCount(b.key, b.key, b.doc_count) for b in buckets("lecturer")
        ],
        "year": [
            FacetCount(str(b.key), f"{b.key}年", b.doc_count) for b in buckets("year")
        ],
    }


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str, alias: str, analyzer: str = "cjk"):
        self.alias = alias
        self.analyzer = analyzer
        self.client = Elasticsearch(url, request_timeout=30)

    # --- index management ---------------------------------------------------------

    def _new_index(self) -> str:
        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        index_definition(name, self.analyzer).create(using=self.client)
        return name

    def _aliased(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias))
        except NotFoundError:
            return []

    def ensure_index(self) -> None:
        """Create a first index behind the alias when there is none."""
        if not self._aliased():
            name = self._new_index()
            self.client.indices.put_alias(index=name, name=self.alias)

    def _actions(
        self, documents: Iterable[IndexDocument], index: str, progress: Progress | None
    ) -> Iterator[dict]:
        for doc in documents:
            action = SearchEntry.from_document(doc).to_dict(include_meta=True)
            action["_index"] = index
            yield action
            if progress:
                progress(1)

    def index(self, documents: Iterable[IndexDocument]) -> int:
        self.ensure_index()
        count, _ = helpers.bulk(
            self.client,
            self._actions(documents, self.alias, None),
            refresh="wait_for",
        )
        return count

    def delete(self, keys: Iterable[str]) -> int:
        actions = [
            {"_op_type": "delete", "_index": self.alias, "_id": key} for key in keys
        ]
        if not actions or not self._aliased():
            return 0
        count, _ = helpers.bulk(
            self.client, actions, refresh="wait_for", raise_on_error=False
        )
        return count

    def rebuild(
        self, documents: Iterable[IndexDocument], *, progress: Progress | None = None
    ) -> int:
        new = self._new_index()
        try:
            count, _ = helpers.bulk(
                self.client, self._actions(documents, new, progress), chunk_size=500
            )
            self.client.indices.refresh(index=new)
        except Exception:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        old = self._aliased()
        self.client.indices.update_aliases(
            actions=[{"remove": {"index": name, "alias": self.alias}} for name in old]
            + [{"add": {"index": new, "alias": self.alias}}]
        )
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)
        return count

    # --- reading ------------------------------------------------------------------

    def count(self) -> int:
        if not self._aliased():
            return 0
        return int(self.client.count(index=self.alias)["count"])

    def health(self) -> dict:
        try:
            health = self.client.cluster.health(index=self.alias, timeout="5s")
            indices = self._aliased()
            documents = self.count() if indices else 0
        except Exception as exc:  # noqa: BLE001 - any failure is a red status
            # The class only: a message may name hosts or credentials.
            return {"backend": self.name, "status": "red", "detail": type(exc).__name__}
        return {
            "backend": self.name,
            "status": health["status"] if indices else "red",
            "alias": self.alias,
            "indices": indices,
            "analyzer": self.analyzer,
            "documents": documents,
        }

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults(query.text, 0, query.page, query.page_size, [], {})
        parsed = text.parse_query(query.text)
        if parsed.is_empty or not self._aliased():
            return empty
        response = search_body(query, alias=self.alias, client=self.client).execute()
        hits = []
        for hit in response:
            highlight = getattr(hit.meta, "highlight", None)
            fragments = highlight.to_dict() if highlight else {}
            # Marked in Python like the database backend (pinyin included, words
            # whole); Elasticsearch's own fragments when that finds nothing.
            source = [getattr(hit, name, "") or "" for name in ("summary", "body")]
            snippet = text.snippet(source, parsed)
            if not text.match_spans(" ".join(source), parsed, pinyin=False):
                snippet = (
                    fragments.get("summary") or fragments.get("body") or [snippet]
                )[0]
            topics = []
            for key in getattr(hit, "topic_keys", []) or []:
                slug, _, title = key.partition("|")
                topics.append((slug, title))
            hits.append(
                SearchHit(
                    ref=hit.ref,
                    kind=hit.kind,
                    object_id=hit.object_id,
                    title=hit.title,
                    title_highlight=text.highlight(hit.title, parsed),
                    snippet=snippet,
                    lecturers=tuple(getattr(hit, "lecturers", []) or []),
                    topics=tuple(topics),
                    tags=tuple(getattr(hit, "tags", []) or []),
                    year=getattr(hit, "year", None),
                    detail_url=hit.detail_url,
                    score=float(hit.meta.score or 0),
                )
            )
        return SearchResults(
            query.text,
            int(response.hits.total.value),
            query.page,
            query.page_size,
            hits,
            facets_from(getattr(response, "aggregations", None))
            if query.facets
            else {},
        )

    def suggest(self, text_: str, *, limit: int = 8) -> list[Suggestion]:
        if text.parse_query(text_).is_empty or not self._aliased():
            return []
        response = suggest_body(
            text_, alias=self.alias, limit=limit, client=self.client
        ).execute()
        return [
            Suggestion(hit.title, hit.kind, hit.ref, hit.detail_url) for hit in response
        ]
