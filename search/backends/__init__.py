"""Choose the search backend named by ``SEARCH_BACKEND``."""

from __future__ import annotations

from django.conf import settings

from search.backends.base import SearchBackend

_cache: dict[tuple, SearchBackend] = {}


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or settings.SEARCH_BACKEND
    if name == "database":
        from search.backends.database import DatabaseBackend

        return DatabaseBackend()
    if name == "elasticsearch":
        from search.backends.elasticsearch import ElasticsearchBackend

        key = (
            name,
            settings.ELASTICSEARCH_URL,
            settings.ELASTICSEARCH_INDEX,
            settings.ELASTICSEARCH_ANALYZER,
        )
        if key not in _cache:
            _cache[key] = ElasticsearchBackend(
                url=settings.ELASTICSEARCH_URL,
                alias=settings.ELASTICSEARCH_INDEX,
                analyzer=settings.ELASTICSEARCH_ANALYZER,
            )
        return _cache[key]
    raise ValueError(f"unknown search backend {name!r}")
