"""Celery tasks: thin, by id, safe to run twice (see ``search.services``).

Only transient failures retry, with exponential backoff: the database or the search
cluster unreachable, timing out or overloaded. Anything else is a defect or bad
data that a retry would only repeat: it is logged with its traceback and the task
gives up (a later change of the same content, or ``search_reindex``, indexes it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict

import elastic_transport
from celery import shared_task
from django.db import InterfaceError, OperationalError

from search import services

logger = logging.getLogger(__name__)

MAX_RETRIES = 6
BACKOFF_MAX_SECONDS = 300
TRANSIENT_STATUSES = {429, 502, 503, 504}


def is_transient(exc: BaseException) -> bool:
    """True for failures that may pass by themselves."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    if isinstance(
        exc, elastic_transport.ConnectionError | elastic_transport.ConnectionTimeout
    ):
        return True
    if isinstance(exc, elastic_transport.ApiError):
        return getattr(exc, "status_code", None) in TRANSIENT_STATUSES
    return False


def _run(task, service: Callable, **kwargs) -> dict | None:
    try:
        return asdict(service(**kwargs))
    except Exception as exc:
        if not is_transient(exc):
            logger.exception("search: %s(%s) failed; not retried", task.name, kwargs)
            return None
        countdown = min(BACKOFF_MAX_SECONDS, 2 ** (task.request.retries + 1))
        raise task.retry(exc=exc, countdown=countdown) from exc


@shared_task(bind=True, max_retries=MAX_RETRIES)
def search_pages_sync_task(self, page_ids: list[int]) -> dict | None:
    return _run(self, services.search_pages_sync, page_ids=page_ids)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def search_lecturer_sync_task(
    self, lecturer_id: int, page_ids: list[int] = ()
) -> dict | None:
    return _run(
        self,
        services.search_lecturer_sync,
        lecturer_id=lecturer_id,
        page_ids=page_ids,
    )


@shared_task(bind=True, max_retries=MAX_RETRIES)
def search_video_lessons_sync_task(self, video_id: int) -> dict | None:
    return _run(self, services.search_video_lessons_sync, video_id=video_id)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def search_synonyms_sync_task(self) -> int | None:
    try:
        return services.search_synonyms_sync()
    except Exception as exc:
        if not is_transient(exc):
            logger.exception("search: synonym sync failed; not retried")
            return None
        countdown = min(BACKOFF_MAX_SECONDS, 2 ** (self.request.retries + 1))
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def search_query_log_purge_task() -> int:
    """Daily (``CELERY_BEAT_SCHEDULE``): drop query log rows past the retention."""
    return services.search_query_log_purge()
