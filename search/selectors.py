"""Reads: queries and suggestions through the configured backend."""

from __future__ import annotations

from search.backends import get_backend
from search.backends.base import SearchQuery, SearchResults, Suggestion
from search.errors import QueryInvalid

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
    """Ranked, highlighted and faceted results for ``query``."""
    return get_backend().search(query)


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
