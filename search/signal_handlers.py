"""Keep the index in step with content. Handlers only queue a task, after commit."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from cms.models import Lecturer
from media_pipeline.models import Subtitle, VideoAsset
from search import tasks
from search.models import SearchSynonym
from search.services import (
    search_dependent_page_ids,
    search_lecturer_page_ids,
    search_sync_is_paused,
)

# A video's lessons are searchable while it plays (media_pipeline's one readiness
# rule); a run that ends, ready or failed, may have changed that.
VIDEO_STATES = {VideoAsset.Status.READY, VideoAsset.Status.FAILED}


def _queue(task, *args) -> None:
    """Send ``task`` once the transaction commits, unless a bulk load paused
    syncing (``search.services.search_sync_paused``)."""
    if not search_sync_is_paused():
        transaction.on_commit(partial(task.delay, *args), robust=True)


def _queue_pages(page_ids) -> None:
    ids = sorted(set(page_ids))
    if ids:
        _queue(tasks.search_pages_sync_task, ids)


def page_changed(sender, instance, **kwargs) -> None:
    """Published or unpublished: (re)index or remove it."""
    _queue_pages([instance.pk])


def page_moved(sender, instance, **kwargs) -> None:
    """A move may put a subtree under (or out of) a view restriction."""
    _queue_pages(
        Page.objects.descendant_of(instance, inclusive=True).values_list(
            "pk", flat=True
        )
    )


# Relations are gone after a delete; the pre_delete handlers remember who shows the
# object. A page of any type is deleted with its ``Page`` row, so ``sender=Page``
# sees every page delete once.


def page_deleting(sender, instance, **kwargs) -> None:
    instance._search_dependents = search_dependent_page_ids(page_ids=[instance.pk])


def lecturer_deleting(sender, instance, **kwargs) -> None:
    instance._search_dependents = search_lecturer_page_ids(lecturer_id=instance.pk)


def page_deleted(sender, instance, **kwargs) -> None:
    _queue_pages(getattr(instance, "_search_dependents", {instance.pk}))


def restriction_changed(sender, instance, **kwargs) -> None:
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        page_moved(sender, page)


def lecturer_changed(sender, instance, **kwargs) -> None:
    page_ids = sorted(getattr(instance, "_search_dependents", ()))
    _queue(tasks.search_lecturer_sync_task, instance.pk, page_ids)


def video_saved(sender, instance, **kwargs) -> None:
    if instance.status in VIDEO_STATES:
        _queue(tasks.search_video_lessons_sync_task, instance.pk)


def subtitle_changed(sender, instance, **kwargs) -> None:
    _queue(tasks.search_video_lessons_sync_task, instance.asset_id)


def synonyms_changed(sender, instance, **kwargs) -> None:
    """An editor changed a synonym group: Elasticsearch's analyzer gets the new
    groups (the database backend reads them per query)."""
    if settings.SEARCH_BACKEND != "database":
        transaction.on_commit(tasks.search_synonyms_sync_task.delay, robust=True)


def connect() -> None:
    uid = "search"
    for signal in (post_save, post_delete):
        signal.connect(
            synonyms_changed,
            sender=SearchSynonym,
            dispatch_uid=f"{uid}-synonyms-{signal is post_save}",
        )
    page_published.connect(page_changed, dispatch_uid=f"{uid}-published")
    page_unpublished.connect(page_changed, dispatch_uid=f"{uid}-unpublished")
    post_page_move.connect(page_moved, dispatch_uid=f"{uid}-moved")
    pre_delete.connect(page_deleting, sender=Page, dispatch_uid=f"{uid}-page-deleting")
    pre_delete.connect(
        lecturer_deleting, sender=Lecturer, dispatch_uid=f"{uid}-lecturer-deleting"
    )
    post_delete.connect(page_deleted, sender=Page, dispatch_uid=f"{uid}-page-deleted")
    for signal in (post_save, post_delete):
        signal.connect(
            restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"{uid}-restriction-{signal is post_save}",
        )
        signal.connect(
            lecturer_changed,
            sender=Lecturer,
            dispatch_uid=f"{uid}-lecturer-{signal is post_save}",
        )
    post_save.connect(video_saved, sender=VideoAsset, dispatch_uid=f"{uid}-video")
    for signal in (post_save, post_delete):
        signal.connect(
            subtitle_changed,
            sender=Subtitle,
            dispatch_uid=f"{uid}-subtitle-{signal is post_save}",
        )
