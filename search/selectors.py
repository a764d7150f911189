"""Reads: queries and suggestions through the configured backend, spelling help,
and the query report.

**What a search may show** is decided here, at query time, for every caller (the
API, suggestions, the portal): a page's document while the page is live and public
(cms's ``pages_visible_to_public``), a lecturer's while the lecturer is in the
pool. The index may lag (no worker, or one behind): an unpublished, restricted,
moved or deleted page leaves the answers at once, totals and facets included, and
its document leaves the index when the worker catches up.

Every caller gets the public rule, also a signed-in member whose request could see
a restricted page: the index holds public content only, so a wider per-request rule
would only ever reach documents of pages restricted since they were indexed, and
the answer would then depend on how far behind the worker is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db.models import Avg, Count, Max
from django.utils import timezone
from wagtail.models import Page

from cms.models import Lecturer, TopicPage
from cms.selectors import pages_visible_to_public
from search import spelling, text
from search.backends import get_backend
from search.backends.base import (
    SearchBackend,
    SearchQuery,
    SearchResults,
    Suggestion,
    Visibility,
)
from search.documents import SEARCHABLE_PAGE_MODELS
from search.errors import QueryInvalid
from search.models import SearchQueryLog
from search.synonyms import synonym_map

MAX_QUERY_LENGTH = 100
PAGE_SIZE = 10
MAX_PAGE = 100


def search_text_clean(*, raw: str | None) -> str:
    """The query as searched: whitespace collapsed. Raises ``QueryInvalid`` when it
    is empty (``query_empty``) or longer than ``MAX_QUERY_LENGTH`` characters
    (``query_too_long``)."""
    value = " ".join((raw or "").split())
    if not value:
        raise QueryInvalid("查询词不能为空（参数 q）", code="query_empty")
    if len(value) > MAX_QUERY_LENGTH:
        raise QueryInvalid(
            f"查询词过长：最多 {MAX_QUERY_LENGTH} 个字符，收到 {len(value)} 个",
            code="query_too_long",
        )
    return value


def search_visibility() -> Visibility:
    """What a search may return now (see the module docstring): the live, public
    pages of the searchable types and the lecturers of the pool, and the topics
    and lecturers a hit or a facet may name."""
    # Unordered: sets. The view restrictions are read once, when ``pages`` is
    # built; a topic is one of its types, so its slugs come from the same rule.
    pages = pages_visible_to_public(
        queryset=Page.objects.type(*SEARCHABLE_PAGE_MODELS)
    ).order_by()
    lecturers = list(Lecturer.objects.order_by().values_list("pk", "name"))
    return Visibility(
        page_ids=frozenset(pages.values_list("pk", flat=True)),
        lecturer_ids=frozenset(pk for pk, _ in lecturers),
        topic_slugs=frozenset(pages.type(TopicPage).values_list("slug", flat=True)),
        lecturer_names=frozenset(name for _, name in lecturers),
    )


def search_run(
    *, query: SearchQuery, visible: Visibility | None = None
) -> SearchResults:
    """Ranked, highlighted and faceted results for ``query`` among what may be
    seen (``visible``, default ``search_visibility()``). When no document has
    every word (``match == "any"``: the closest results by any single word) or none
    has any (``match == "suggestion"``: the results of the spelling suggestion),
    ``did_you_mean`` holds the query with its unknown words corrected, if that
    finds something."""
    visible = search_visibility() if visible is None else visible
    if (query.topic and query.topic not in visible.topic_slugs) or (
        query.lecturer and query.lecturer not in visible.lecturer_names
    ):
        # Filtered by a topic or lecturer no longer shown: what the index will
        # answer once it has caught up.
        return SearchResults(query.text, 0, query.page, query.page_size, [], {})
    return _names_visible(_search_run(query=query, visible=visible), visible)


def _search_run(*, query: SearchQuery, visible: Visibility) -> SearchResults:
    backend = get_backend()
    results = backend.search(query, visible=visible)
    if results.total and results.match == "all":
        return results
    suggestion = search_did_you_mean(backend=backend, query=query, visible=visible)
    if not suggestion:
        return results
    corrected = backend.search(replace(query, text=suggestion), visible=visible)
    if not corrected.total:
        return results
    if results.total:
        return replace(results, did_you_mean=suggestion)
    return replace(
        corrected, query=query.text, match="suggestion", did_you_mean=suggestion
    )


def _names_visible(results: SearchResults, visible: Visibility) -> SearchResults:
    """``results`` naming only the topics and lecturers ``visible`` shows: a
    document indexed before its topic was unpublished or its lecturer removed
    still lists them."""
    hits = [
        replace(
            hit,
            topics=tuple(t for t in hit.topics if t[0] in visible.topic_slugs),
            lecturers=tuple(n for n in hit.lecturers if n in visible.lecturer_names),
        )
        for hit in results.hits
    ]
    facets = dict(results.facets)
    for name, shown in (
        ("topic", visible.topic_slugs),
        ("lecturer", visible.lecturer_names),
    ):
        if name in facets:
            facets[name] = [value for value in facets[name] if value.value in shown]
    return replace(results, hits=hits, facets=facets)


def search_did_you_mean(
    *, backend: SearchBackend, query: SearchQuery, visible: Visibility
) -> str:
    """``query``'s text with each word that nothing visible has replaced by the
    nearest indexed term (by pinyin or edit distance) that finds something
    visible, or ""."""
    parsed = text.parse_query(query.text, synonyms=synonym_map())
    if parsed.is_empty:
        return ""
    vocabulary = spelling.vocabulary_current(
        backend.vocabulary_stamp(), backend.vocabulary
    )

    def found_alone(word: str) -> bool:
        single = SearchQuery(text=word, page_size=1, facets=False)
        return backend.search(single, visible=visible).total > 0

    suggestion = spelling.did_you_mean(
        parsed.words, vocabulary, found_alone=found_alone
    )
    # The vocabulary is the index's and may still hold the title of a page that is
    # no longer visible: each replacement must find something visible by all of
    # its words, or the suggestion alone would name that page.
    for term in set(suggestion.split()) - set(parsed.words):
        alone = backend.search(
            SearchQuery(text=term, page_size=1, facets=False), visible=visible
        )
        if not alone.total or alone.match != "all":
            return ""
    return suggestion


def search_suggest(*, text: str, limit: int = 8) -> list[Suggestion]:
    """Titles that start like ``text`` (Chinese, full pinyin or initials), of what
    may be seen (``search_visibility``)."""
    return get_backend().suggest(text, visible=search_visibility(), limit=limit)


def search_health() -> dict:
    return get_backend().health()


def search_readiness():
    """The search backend as a ``/readyz`` check: down when its health is red."""
    from dangke.health import DOWN, UP, CheckResult

    health = search_health()
    state = DOWN if health.get("status") == "red" else UP
    return CheckResult(state, f"{health.get('backend', '')} {health['status']}".strip())


REPORT_DAYS = 30
REPORT_ROWS = 20


def search_query_report(
    *, days: int = REPORT_DAYS, limit: int = REPORT_ROWS
) -> dict[str, list[dict]]:
    """The most frequent queries of the last ``days`` days, and the most frequent
    of those that found nothing: ``{"top": [...], "zero": [...]}``, each row
    ``{"query", "searches", "average_results", "last_searched"}``."""
    since = timezone.now() - timedelta(days=days)
    recent = SearchQueryLog.objects.filter(searched_at__gte=since)

    def rows(queryset) -> list[dict]:
        grouped = (
            queryset.values("query")
            .annotate(
                searches=Count("pk"),
                average_results=Avg("results"),
                last_searched=Max("searched_at"),
            )
            .order_by("-searches", "-last_searched", "query")[:limit]
        )
        return [
            {**row, "average_results": round(row["average_results"] or 0, 1)}
            for row in grouped
        ]

    return {"top": rows(recent), "zero": rows(recent.filter(results=0))}
