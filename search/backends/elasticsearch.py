"""The Elasticsearch backend, with documents defined through ``elasticsearch.dsl``.

The Chinese analyzer is chosen by ``ELASTICSEARCH_ANALYZER``:

- ``cjk`` (default, built into Elasticsearch): the standard tokenizer with
  ``cjk_width``, ``lowercase`` and ``cjk_bigram`` keeping unigrams, so two-character
  words match as bigrams and one-character queries (红) still match;
- ``smartcn``: the ``analysis-smartcn`` plugin's tokenizer;
- ``ik``: the IK plugin, ``ik_max_word`` at index time and ``ik_smart`` at query time.

Every analyzer starts with the ``dangke_script`` char filter: a ``mapping`` of
traditional to simplified characters and phrases derived from OpenCC
(``search.text.script_mappings``), the same conversion the database backend does in
Python, so 黨史 finds 党史 and highlights stay on the stored text. The query-time
analyzers end with a ``synonym_graph`` filter holding the editors' synonym groups
(``search_synonyms_sync`` updates it: close, new settings, open). Titles and
context (lecturers, topics, tags) have an ``ngram`` sub-field of character bigrams
for partial words, boosted below whole words. Pinyin is computed in Python
(``search.text.pinyin_tokens``) for titles (``pinyin``) and for lecturers, topics
and tags (``context_pinyin``) and indexed with an edge n-gram analyzer, so no
pinyin plugin is needed. Searches, suggestions, single
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
    char_filter,
    token_filter,
    tokenizer,
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
    Visibility,
)
from search.models import SearchDocument
from search.synonyms import es_rules, synonym_map

TEXT_ANALYZER = "dangke_text"
SEARCH_ANALYZER = "dangke_search"
PINYIN_INDEX_ANALYZER = "dangke_pinyin_index"
PINYIN_SEARCH_ANALYZER = "dangke_pinyin_search"
NGRAM_ANALYZER = "dangke_ngram"
SCRIPT_FILTER = "dangke_script"
SYNONYM_FILTER = "dangke_synonyms"
SEARCH_FIELDS = ["title^4", "summary^2", "context^1.5", "body"]
NGRAM_FIELDS = ["title.ngram^0.8", "context.ngram^0.4"]
FACET_SIZE = 20
VOCABULARY_SIZE = 10_000
KIND_LABELS = dict(SearchDocument.Kind.choices)


def _chinese_text(**extra) -> Text:
    return Text(analyzer=TEXT_ANALYZER, search_analyzer=SEARCH_ANALYZER, **extra)


def _ngram_text() -> Text:
    return Text(analyzer=NGRAM_ANALYZER)


class SearchEntry(Document):
    """One searchable thing in Elasticsearch (see ``IndexDocument``)."""

    key = Keyword()
    kind = Keyword()
    ref = Keyword()
    object_id = Integer()
    title = _chinese_text(fields={"raw": Keyword(), "ngram": _ngram_text()})
    pinyin = Text(
        analyzer=PINYIN_INDEX_ANALYZER, search_analyzer=PINYIN_SEARCH_ANALYZER
    )
    context_pinyin = Text(
        analyzer=PINYIN_INDEX_ANALYZER, search_analyzer=PINYIN_SEARCH_ANALYZER
    )
    summary = _chinese_text()
    context = _chinese_text(fields={"ngram": _ngram_text()})  # lecturers, topics, tags
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
            context_pinyin=text.pinyin_of_names(
                [*doc.lecturers, *(title for _, title in doc.topics), *doc.tags]
            ),
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


def script_char_filter():
    return char_filter(SCRIPT_FILTER, "mapping", mappings=list(text.script_mappings()))


def synonym_filter(groups: list[list[str]]):
    # Never empty (an empty synonyms list is refused); lenient: a rule the
    # analyzer cannot parse is skipped instead of failing the index.
    rules = es_rules(groups) or ["dangke, dangke"]
    return token_filter(SYNONYM_FILTER, "synonym_graph", synonyms=rules, lenient=True)


def chinese_analyzers(kind: str, synonyms: list[list[str]] | None = None) -> list:
    """The index-time and query-time analyzers for ``ELASTICSEARCH_ANALYZER``; the
    query-time one applies the synonym groups."""
    script = script_char_filter()
    synonym = synonym_filter(synonyms or [])
    if kind == "cjk":
        bigram = token_filter("dangke_bigram", "cjk_bigram", output_unigrams=True)
        # Synonym rules are analysed by the filters before them, which must not
        # stack tokens: bigrams only at query time (a lone character stays one).
        query_bigram = token_filter("dangke_query_bigram", "cjk_bigram")
        return [
            analyzer(
                TEXT_ANALYZER,
                tokenizer="standard",
                char_filter=[script],
                filter=["cjk_width", "lowercase", bigram],
            ),
            analyzer(
                SEARCH_ANALYZER,
                tokenizer="standard",
                char_filter=[script],
                filter=["cjk_width", "lowercase", query_bigram, synonym],
            ),
        ]
    if kind == "smartcn":
        return [
            analyzer(
                TEXT_ANALYZER,
                tokenizer="smartcn_tokenizer",
                char_filter=[script],
                filter=["lowercase"],
            ),
            analyzer(
                SEARCH_ANALYZER,
                tokenizer="smartcn_tokenizer",
                char_filter=[script],
                filter=["lowercase", synonym],
            ),
        ]
    if kind == "ik":
        return [
            analyzer(
                TEXT_ANALYZER,
                tokenizer="ik_max_word",
                char_filter=[script],
                filter=["lowercase"],
            ),
            analyzer(
                SEARCH_ANALYZER,
                tokenizer="ik_smart",
                char_filter=[script],
                filter=["lowercase", synonym],
            ),
        ]
    raise ValueError(f"ELASTICSEARCH_ANALYZER={kind!r} is not one of cjk, smartcn, ik")


def ngram_analyzer():
    """Character bigrams of letters and digits (partial words: 明华 in 陈明华)."""
    bigrams = tokenizer(
        "dangke_bigrams",
        "ngram",
        min_gram=2,
        max_gram=2,
        token_chars=["letter", "digit"],
    )
    return analyzer(
        NGRAM_ANALYZER,
        tokenizer=bigrams,
        char_filter=[script_char_filter()],
        filter=["cjk_width", "lowercase"],
    )


def pinyin_analyzers() -> list:
    edge = token_filter("dangke_pinyin_edge", "edge_ngram", min_gram=1, max_gram=40)
    return [
        analyzer(
            PINYIN_INDEX_ANALYZER, tokenizer="whitespace", filter=["lowercase", edge]
        ),
        analyzer(PINYIN_SEARCH_ANALYZER, tokenizer="whitespace", filter=["lowercase"]),
    ]


def index_definition(
    name: str, analyzer_kind: str, synonyms: list[list[str]] | None = None
) -> Index:
    """A concrete index: settings, analysis and the ``SearchEntry`` mapping."""
    index = Index(name)
    index.settings(number_of_shards=1, number_of_replicas=0, max_ngram_diff=40)
    for definition in (
        chinese_analyzers(analyzer_kind, synonyms)
        + pinyin_analyzers()
        + [ngram_analyzer()]
    ):
        index.analyzer(definition)
    index.document(SearchEntry)
    return index


def analysis_settings(analyzer_kind: str, synonyms: list[list[str]]) -> dict:
    """The ``analysis`` settings alone (to update the synonyms of an index)."""
    return index_definition("x", analyzer_kind, synonyms).to_dict()["settings"][
        "analysis"
    ]


def _match_query(query_text: str, *, operator_and: bool) -> Q:
    extra = {"operator": "and"} if operator_and else {"minimum_should_match": "60%"}
    return Q(
        "multi_match",
        query=query_text,
        fields=SEARCH_FIELDS,
        boost=2 if operator_and else 1,
        _name="all" if operator_and else "any",
        **extra,
    )


def pinyin_text(query_text: str) -> str:
    """What the pinyin fields are asked: pinyin typed in pieces, with tones or in
    capitals, joined and plain (``Dǎng shǐ`` -> ``dangshi``)."""
    parsed = text.parse_query(query_text)
    return " ".join(parsed.pinyin) or text.normalise(query_text)


def hidden(visible: Visibility) -> list[Q]:
    """The ``must_not`` clauses that drop what ``visible`` does not admit: a
    lecturer not in its lecturer ids, a page not in its page ids. They run in
    filter context inside the query (not a post-filter), so the total and every
    facet count only what may be seen. Each id set is one ``terms`` query, within
    Elasticsearch's ``index.max_terms_count`` (65,536 by default) for a
    district's pages."""
    return [
        Q(
            "bool",
            filter=[Q("term", kind="lecturer")],
            must_not=[Q("terms", object_id=sorted(visible.lecturer_ids))],
        ),
        Q(
            "bool",
            must_not=[
                Q("term", kind="lecturer"),
                Q("terms", object_id=sorted(visible.page_ids)),
            ],
        ),
    ]


def search_body(
    query: SearchQuery, *, alias: str, visible: Visibility, client=None
) -> Search:
    """The ``Search`` for a query: text (never parsed as syntax), filters (what
    ``visible`` admits among them), facets, highlights and the page."""
    query_text = text.normalise(query.text)
    spelled = pinyin_text(query.text)
    search = Search(using=client, index=alias).query(
        Q(
            "bool",
            should=[
                _match_query(query_text, operator_and=True),
                _match_query(query_text, operator_and=False),
                Q(
                    "multi_match",
                    query=query_text,
                    fields=NGRAM_FIELDS,
                    type="phrase",
                    _name="partial",
                ),
                Q("match", pinyin={"query": spelled, "boost": 3, "_name": "all"}),
                Q("match", context_pinyin={"query": spelled, "_name": "all"}),
            ],
            minimum_should_match=1,
            must_not=hidden(visible),
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
        .source(excludes=["pinyin", "context_pinyin", "context"])
        .extra(track_total_hits=True)
    )
    start = (query.page - 1) * query.page_size
    return search[start : start + query.page_size]


def suggest_body(
    query_text: str, *, alias: str, limit: int, visible: Visibility, client=None
) -> Search:
    """Titles that start like ``query_text``, of what ``visible`` admits."""
    query_text = text.normalise(query_text)
    return (
        Search(using=client, index=alias)
        .query(
            Q(
                "bool",
                should=[
                    Q("match_phrase_prefix", title={"query": query_text}),
                    Q("match_phrase", **{"title.ngram": {"query": query_text}}),
                    Q("match", pinyin={"query": pinyin_text(query_text)}),
                ],
                minimum_should_match=1,
                must_not=hidden(visible),
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
        from search.services import search_synonyms_current

        name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        index_definition(name, self.analyzer, search_synonyms_current()).create(
            using=self.client
        )
        return name

    def synonyms_apply(self, groups: list[list[str]]) -> None:
        """Analysis settings change only on a closed index: close, update, open
        (searches of the alias fail for that moment)."""
        settings = {"analysis": analysis_settings(self.analyzer, groups)}
        for name in self._aliased():
            self.client.indices.close(index=name)
            try:
                self.client.indices.put_settings(index=name, settings=settings)
            finally:
                self.client.indices.open(index=name, wait_for_active_shards=1)

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

    def search(self, query: SearchQuery, *, visible: Visibility) -> SearchResults:
        empty = SearchResults(query.text, 0, query.page, query.page_size, [], {})
        # The analyzer applies the synonyms; here they only mark the highlights.
        parsed = text.parse_query(query.text, synonyms=synonym_map())
        if parsed.is_empty or not self._aliased():
            return empty
        response = search_body(
            query, alias=self.alias, visible=visible, client=self.client
        ).execute()
        hits = []
        # The all-words clause is boosted: when the best hit does not have every
        # word, none has, and these are the closest results by any word.
        best = list(response)[:1]
        match = (
            "all"
            if not best or "all" in (getattr(best[0].meta, "matched_queries", []) or [])
            else "any"
        )
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
            match=match,
        )

    # --- spelling help ------------------------------------------------------------

    def vocabulary_stamp(self) -> tuple:
        # A rebuild or a write changes the index's document count or its
        # indexing counter.
        if not self._aliased():
            return ("empty",)
        stats = self.client.indices.stats(index=self.alias, metric="indexing,docs")
        total = stats["_all"]["primaries"]
        return (
            total["docs"]["count"],
            total["indexing"]["index_total"],
            total["indexing"]["delete_total"],
        )

    def vocabulary(self) -> Iterator[str]:
        if not self._aliased():
            return
        search = Search(using=self.client, index=self.alias).extra(size=0)
        for name, field in (
            ("titles", "title.raw"),
            ("lecturers", "lecturers"),
            ("tags", "tags"),
            ("topics", "topic_keys"),
        ):
            search.aggs.bucket(name, "terms", field=field, size=VOCABULARY_SIZE)
        response = search.execute()
        for name in ("titles", "lecturers", "tags"):
            for bucket in getattr(response.aggregations, name).buckets:
                yield str(bucket.key)
        for bucket in response.aggregations.topics.buckets:
            yield str(bucket.key).partition("|")[2]

    def suggest(
        self, text_: str, *, visible: Visibility, limit: int = 8
    ) -> list[Suggestion]:
        if text.parse_query(text_).is_empty or not self._aliased():
            return []
        response = suggest_body(
            text_, alias=self.alias, limit=limit, visible=visible, client=self.client
        ).execute()
        return [
            Suggestion(hit.title, hit.kind, hit.ref, hit.detail_url) for hit in response
        ]
