"""Search fixtures: the backend under test and the demo content, indexed.

The demo content is built once per module inside a transaction that is rolled back
at the end of the module, so other tests never see it.
"""

from __future__ import annotations

import io
import os
import uuid

import pytest
from django.db import transaction
from django.test import override_settings

# The Elasticsearch pass exists only where a cluster is named.
BACKENDS = ["database"] + (
    [pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]
    if os.environ.get("ELASTICSEARCH_URL")
    else []
)


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request):
    """The suite runs on the database backend, and on Elasticsearch when
    ELASTICSEARCH_URL names a cluster."""
    name = request.param
    overrides = {"SEARCH_BACKEND": name}
    if name == "elasticsearch":
        url = os.environ["ELASTICSEARCH_URL"]
        overrides.update(
            ELASTICSEARCH_URL=url, ELASTICSEARCH_INDEX=f"dangke-test-{uuid.uuid4().hex}"
        )
    with override_settings(**overrides):
        yield name
        if name == "elasticsearch":
            from search.backends import get_backend

            backend = get_backend()
            for index in backend._aliased():
                backend.client.indices.delete(index=index, ignore_unavailable=True)


@pytest.fixture(scope="module")
def demo(backend_name, django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo content (no videos: lessons are text lessons) and the demo synonym
    dictionary, indexed."""
    from cms.demo import demo_content_load
    from search.services import search_index_rebuild, search_synonyms_load

    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo_content_load(stdout=io.StringIO(), with_media=False)
            search_synonyms_load()
            search_index_rebuild(stdout=io.StringIO())
            yield backend_name
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def search_api(client):
    """GET the search API and return (status, json)."""

    def get(path: str = "/api/v3/search/", **params):
        response = client.get(path, params)
        return response.status_code, response.json()

    return get


def refs(body: dict) -> list[str]:
    return [item["ref"] for item in body["items"]]
