"""Start-up check: an Elasticsearch backend that does not answer stops start-up with
a message naming ELASTICSEARCH_URL (the database backend needs no check)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register("search")
def elasticsearch_reachable(app_configs=None, **kwargs) -> list[Error]:
    if settings.SEARCH_BACKEND != "elasticsearch":
        return []
    from elasticsearch import Elasticsearch

    try:
        client = Elasticsearch(settings.ELASTICSEARCH_URL, request_timeout=5)
        client.info()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return [
            Error(
                f"ELASTICSEARCH_URL={settings.ELASTICSEARCH_URL!r} does not answer "
                f"({type(exc).__name__}); SEARCH_BACKEND=elasticsearch needs it",
                id="search.E001",
            )
        ]
    return []
