"""Search on the shared API: ``/api/v3/search/`` and ``/api/v3/search/suggest``.

Anonymous clients are fine: the index only ever holds live, public content.
"""

from __future__ import annotations

from math import ceil

from django.http import HttpRequest
from ninja import Query, Router, Status

from search import selectors
from search.backends.base import KINDS, FacetCount, SearchQuery
from search.schemas import (
    ErrorOut,
    SearchHealthOut,
    SearchIn,
    SearchResultsOut,
    SuggestIn,
    SuggestOut,
)

router = Router(tags=["search"])

MAX_QUERY_LENGTH = 100
PAGE_SIZE = 10
MAX_PAGE = 100


class QueryError(Exception):
    def __init__(self, detail: str, code: str):
        self.detail, self.code = detail, code


def _query_text(raw: str) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise QueryError("查询词不能为空（参数 q）", "query_empty")
    if len(value) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"查询词过长：最多 {MAX_QUERY_LENGTH} 个字符，收到 {len(value)} 个",
            "query_too_long",
        )
    return value


def _facets(facets: dict[str, list[FacetCount]]) -> dict:
    return {
        name: [vars(value) for value in facets.get(name, [])]
        for name in ("type", "topic", "lecturer", "year")
    }


@router.get(
    "/",
    response={200: SearchResultsOut, 400: ErrorOut},
    operation_id="search_query",
    summary="Full-text search (Chinese, pinyin, initials) with highlights and facets",
)
def search_query(request: HttpRequest, filters: Query[SearchIn]):
    try:
        text = _query_text(filters.q)
        if filters.type and filters.type not in KINDS:
            raise QueryError(
                f"未知的类型 type={filters.type!r}，可选：{'、'.join(KINDS)}",
                "invalid_type",
            )
        if not 1 <= filters.page <= MAX_PAGE:
            raise QueryError(
                f"页码 page 应在 1 到 {MAX_PAGE} 之间，收到 {filters.page}",
                "invalid_page",
            )
    except QueryError as error:
        return Status(400, {"detail": error.detail, "code": error.code})
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
    return {
        "query": results.query,
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
    response={200: SuggestOut, 400: ErrorOut},
    operation_id="search_suggest",
    summary="Title suggestions as the user types (Chinese, pinyin, initials)",
)
def search_suggest(request: HttpRequest, params: Query[SuggestIn]):
    try:
        text = _query_text(params.q)
    except QueryError as error:
        return Status(400, {"detail": error.detail, "code": error.code})
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
