"""Forgetting cached reads when what they read changes (publishing, member saves).

The caches are filled by selectors (``lesson_info``, ``member_for_user``); dropping
entries is a write, so it lives here and ``signal_handlers`` calls it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

from learning.selectors.lessons import lesson_info_cache_key, lesson_info_memo
from learning.selectors.scoping import member_cache_key, member_memo


def lesson_info_forget(*, lesson_ids: Iterable[int] | None = None) -> None:
    """Drop lesson facts from this process's memo and the shared cache (only the
    whole memo when ``lesson_ids`` is None). Raises nothing."""
    if lesson_ids is None:
        lesson_info_memo.forget()
        return
    lesson_ids = list(lesson_ids)
    for lesson_id in lesson_ids:
        lesson_info_memo.forget(lesson_id)
    cache.delete_many([lesson_info_cache_key(lesson_id=i) for i in lesson_ids])


def member_forget(*, user_id: int | None = None) -> None:
    """Drop an account's cached member profile from this process's memo and the
    shared cache (only the whole memo when ``user_id`` is None). Raises nothing."""
    if user_id is None:
        member_memo.forget()
        return
    member_memo.forget(user_id)
    cache.delete(member_cache_key(user_id=user_id))
