"""Search on the shared API: ``/api/v3/search/`` and ``/api/v3/search/suggest``.

Anonymous clients are fine: answers hold only what ``search.selectors`` admits at
query time (live, public pages and the lecturers of the pool), whatever the state
of the index. Logging a query never fails it (``search_query_record``).
"""

from __future__ import annotations

from math import ceil

from django.http import HttpRequest
from ninja import Query, Router

from dangke.api_errors import error_responses
from search import selectors, services
from search.backends.base import KINDS, FacetCount, SearchQuery
from search.errors import QueryInvalid
from search.schemas import (
    SearchHealthOut,
    SearchIn,
    SearchResultsOut,
    SuggestIn,
    SuggestOut,
)
from search.selectors import MAX_PAGE, PAGE_SIZE, search_text_clean

router = Router(tags=["search"])


def _facets(facets: dict[str, list[FacetCount]]) -> dict:
    return {
        name: [vars(value) for value in facets.get(name, [])]
        for name in ("type", "topic", "lecturer", "year")
    }


@router.get(
    "/",
    response={200: SearchResultsOut, **error_responses(400)},
    operation_id="search_query",
    summary="Full-text search (Chinese, pinyin, initials) with highlights and facets",
)
def search_query(request: HttpRequest, filters: Query[SearchIn]):
    text = search_text_clean(raw=filters.q)
    if filters.type and filters.type not in KINDS:
        raise QueryInvalid(
            f"未知的类型 type={filters.type!r}，可选：{'、'.join(KINDS)}",
            code="invalid_type",
        )
    if not 1 <= filters.page <= MAX_PAGE:
        raise QueryInvalid(
            f"页码 page 应在 1 到 {MAX_PAGE} 之间，收到 {filters.page}",
            code="invalid_page",
        )
    results = selectors.search_run(
        query=SearchQuery(
            text=text,
            kind=filters.type or None,
            topic=filters.topic or None,
            lecturer=filters.lecturer or None,
            year=filters.year,
            page=filters.page,
            page_size=PAGE_SIZE,
        )
    )
    if filters.page == 1:
        services.search_query_record(query_text=text, results=results.total)
    return {
        "query": results.query,
        "match": results.match,
        "did_you_mean": results.did_you_mean,
        "total": results.total,
        "page": results.page,
        "page_size": results.page_size,
        "pages": ceil(results.total / results.page_size),
        "items": [
            {
                "ref": hit.ref,
                "type": hit.kind,
                "id": hit.object_id,
                "title": hit.title,
                "title_highlight": hit.title_highlight,
                "snippet": hit.snippet,
                "lecturers": list(hit.lecturers),
                "topics": [{"slug": s, "title": t} for s, t in hit.topics],
                "tags": list(hit.tags),
                "year": hit.year,
                "detail_url": hit.detail_url,
                "score": hit.score,
            }
            for hit in results.hits
        ],
        "facets": _facets(results.facets),
    }


@router.get(
    "/suggest",
    response={200: SuggestOut, **error_responses(400)},
    operation_id="search_suggest",
    summary="Title suggestions as the user types (Chinese, pinyin, initials)",
)
def search_suggest(request: HttpRequest, params: Query[SuggestIn]):
    text = search_text_clean(raw=params.q)
    suggestions = selectors.search_suggest(text=text)
    return {
        "query": text,
        "items": [
            {
                "title": s.title,
                "type": s.kind,
                "ref": s.ref,
                "detail_url": s.detail_url,
            }
            for s in suggestions
        ],
    }


@router.get(
    "/health",
    response=SearchHealthOut,
    operation_id="search_health",
    summary="Search backend health",
)
def search_health(request: HttpRequest):
    return selectors.search_health()
