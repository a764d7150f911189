"""Celery tasks: thin, by id, safe to run twice (see ``search.services``)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from search import services

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_kwargs": {"max_retries": 6},
}


@shared_task(**RETRY)
def search_pages_sync_task(page_ids: list[int]) -> dict:
    return asdict(services.search_pages_sync(page_ids=page_ids))


@shared_task(**RETRY)
def search_lecturer_sync_task(lecturer_id: int, page_ids: list[int] = ()) -> dict:
    return asdict(
        services.search_lecturer_sync(lecturer_id=lecturer_id, page_ids=page_ids)
    )


@shared_task(**RETRY)
def search_video_lessons_sync_task(video_id: int) -> dict:
    return asdict(services.search_video_lessons_sync(video_id=video_id))
