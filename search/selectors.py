"""Reads: queries and suggestions through the configured backend."""

from __future__ import annotations

from search.backends import get_backend
from search.backends.base import SearchQuery, SearchResults, Suggestion


def search_run(*, query: SearchQuery) -> SearchResults:
    """Ranked, highlighted and faceted results for ``query``."""
    return get_backend().search(query)


def search_suggest(*, text: str, limit: int = 8) -> list[Suggestion]:
    """Titles that start like ``text`` (Chinese, full pinyin or initials)."""
    return get_backend().suggest(text, limit=limit)


def search_health() -> dict:
    return get_backend().health()
