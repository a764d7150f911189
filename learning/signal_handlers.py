"""Forget cached lesson facts when pages change, so progress follows publishing."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from wagtail.signals import page_published, page_unpublished

from learning.selectors import lesson_info_cache_key


def _forget(instance, **kwargs) -> None:
    # A course's change alters its lessons' threshold and reach, so forget them too.
    keys = [lesson_info_cache_key(instance.pk)]
    links = getattr(instance, "course_lessons", None)
    if links is not None:
        keys += [lesson_info_cache_key(link.lesson_id) for link in links.all()]
    # Forget now, and again after commit in case a concurrent read refilled it.
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def register() -> None:
    page_published.connect(_forget, dispatch_uid="learning_forget_published")
    page_unpublished.connect(_forget, dispatch_uid="learning_forget_unpublished")
