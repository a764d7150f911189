"""Reads: queries and suggestions through the configured backend, spelling help,
and the query report."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db.models import Avg, Count, Max
from django.utils import timezone

from search import spelling, text
from search.backends import get_backend
from search.backends.base import SearchBackend, SearchQuery, SearchResults, Suggestion
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


def search_run(*, query: SearchQuery) -> SearchResults:
    """Ranked, highlighted and faceted results for ``query``. When no document has
    every word (``match == "any"``: the closest results by any single word) or none
    has any (``match == "suggestion"``: the results of the spelling suggestion),
    ``did_you_mean`` holds the query with its unknown words corrected, if that
    finds something."""
    backend = get_backend()
    results = backend.search(query)
    if results.total and results.match == "all":
        return results
    suggestion = search_did_you_mean(backend=backend, query=query)
    if not suggestion:
        return results
    corrected = backend.search(replace(query, text=suggestion))
    if not corrected.total:
        return results
    if results.total:
        return replace(results, did_you_mean=suggestion)
    return replace(
        corrected, query=query.text, match="suggestion", did_you_mean=suggestion
    )


def search_did_you_mean(*, backend: SearchBackend, query: SearchQuery) -> str:
    """``query``'s text with each word that nothing indexed has replaced by the
    nearest indexed term (by pinyin or edit distance), or ""."""
    parsed = text.parse_query(query.text, synonyms=synonym_map())
    if parsed.is_empty:
        return ""
    vocabulary = spelling.vocabulary_current(
        backend.vocabulary_stamp(), backend.vocabulary
    )

    def found_alone(word: str) -> bool:
        single = SearchQuery(text=word, page_size=1, facets=False)
        return backend.search(single).total > 0

    return spelling.did_you_mean(parsed.words, vocabulary, found_alone=found_alone)


def search_suggest(*, text: str, limit: int = 8) -> list[Suggestion]:
    """Titles that start like ``text`` (Chinese, full pinyin or initials)."""
    return get_backend().suggest(text, limit=limit)


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
