"""Writes to the search index. Every function is safe to run twice: each decides
from the current database state whether a document is indexed or removed."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone

from cms.models import CoursePage, Lecturer, MicroLessonPage, VRCoursewarePage
from cms.selectors import (
    course_lesson_links,
    page_ids_using_video,
    topic_course_links,
)
from dangke.progress import ProgressBar
from search import documents, text
from search.backends import get_backend
from search.models import SearchQueryLog, SearchSynonym
from search.synonyms import (
    DEMO_SYNONYMS,
    synonym_terms_problem,
    synonym_terms_split,
)

logger = logging.getLogger(__name__)

_sync_paused: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "search_sync_paused", default=False
)


@contextmanager
def search_sync_paused() -> Iterator[None]:
    """Within the block, content changes queue no index task: for a bulk load that
    calls ``search_index_rebuild`` once at its end (``load_demo``), instead of one
    task per page for the worker to drain afterwards. Raises nothing."""
    token = _sync_paused.set(True)
    try:
        yield
    finally:
        _sync_paused.reset(token)


def search_sync_is_paused() -> bool:
    return _sync_paused.get()


@dataclass(frozen=True)
class SyncOutcome:
    indexed: int
    removed: int


def search_dependent_page_ids(*, page_ids: Iterable[int]) -> set[int]:
    """``page_ids`` plus the pages whose documents show something of them: a
    lesson's courses, a course's lessons and topics, a topic's courses and their
    lessons (lessons carry their topics; courses and topics list their parts)."""
    ids = set(page_ids)
    course_ids = {link.course_id for link in topic_course_links(topic_ids=ids)}
    related = course_lesson_links(course_ids=ids | course_ids) + course_lesson_links(
        lesson_ids=ids
    )
    for link in related:
        course_ids.add(link.course_id)
        ids.add(link.lesson_id)
    topic_ids = [link.topic_id for link in topic_course_links(course_ids=ids)]
    vr_ids = VRCoursewarePage.objects.filter(teaching_site_id__in=ids).values_list(
        "pk", flat=True
    )
    return ids | course_ids | set(topic_ids) | set(vr_ids)


def search_pages_sync(*, page_ids: Iterable[int]) -> SyncOutcome:
    """Index the searchable pages among ``page_ids`` and their dependents; remove the
    others (deleted, unpublished, restricted, video not ready) from the index.

    Raises whatever the search backend raises when it is unreachable.
    """
    ids = search_dependent_page_ids(page_ids=page_ids)
    found, gone = documents.page_documents(ids)
    backend = get_backend()
    indexed = backend.index(found)
    removed = backend.delete(documents.page_key(page_id) for page_id in sorted(gone))
    return SyncOutcome(indexed, removed)


def search_lecturer_page_ids(*, lecturer_id: int) -> set[int]:
    """The lessons and courses that show lecturer ``lecturer_id``'s name."""
    lessons = MicroLessonPage.objects.filter(lecturer_id=lecturer_id)
    courses = CoursePage.objects.filter(lecturers__id=lecturer_id)
    return set(lessons.values_list("pk", flat=True)) | set(
        courses.values_list("pk", flat=True)
    )


def search_lecturer_sync(
    *, lecturer_id: int, page_ids: Iterable[int] = ()
) -> SyncOutcome:
    """Index (or, when deleted, remove) a lecturer and re-index the lessons and
    courses that show their name, plus ``page_ids`` (those that showed it before a
    delete, which has already unlinked them).

    Raises whatever the search backend raises when it is unreachable.
    """
    lecturer = Lecturer.objects.filter(pk=lecturer_id).first()
    backend = get_backend()
    page_ids = set(page_ids) | search_lecturer_page_ids(lecturer_id=lecturer_id)
    if lecturer is None:
        indexed, removed = 0, backend.delete([documents.lecturer_key(lecturer_id)])
    else:
        indexed, removed = backend.index([documents.lecturer_document(lecturer)]), 0
    pages = search_pages_sync(page_ids=page_ids) if page_ids else SyncOutcome(0, 0)
    return SyncOutcome(indexed + pages.indexed, removed + pages.removed)


def search_video_lessons_sync(*, video_id: int) -> SyncOutcome:
    """Re-evaluate the lessons and VR courseware that use video ``video_id`` (they
    become searchable when it is ready, and leave the index when it is not)."""
    page_ids = page_ids_using_video(asset_id=video_id)
    if not page_ids:
        return SyncOutcome(0, 0)
    return search_pages_sync(page_ids=page_ids)


def search_index_rebuild(*, stdout: IO[str] | None = None) -> int:
    """Rebuild the whole index from the database, drawing a progress bar on
    ``stdout``; returns how many documents it holds. Searches keep answering from
    the previous index until the new one is complete.

    Raises whatever the search backend raises when it is unreachable.
    """
    bar = ProgressBar(documents.all_documents_count(), "检索索引", stream=stdout)
    count = get_backend().rebuild(
        documents.all_documents(), progress=lambda step: bar.advance(step)
    )
    if bar.done < bar.total:
        bar.advance(bar.total - bar.done, note=f"{count} documents")
    return count


# How long a query log write may wait for the database's write lock: the log is a
# report, the search is the answer, and 200 clients at once must not queue behind
# SQLite's one writer for the full connection timeout.
QUERY_LOG_LOCK_WAIT_MS = 200


@contextmanager
def _lock_wait_short() -> Iterator[None]:
    """A transaction whose wait for locks is ``QUERY_LOG_LOCK_WAIT_MS``: SQLite's
    ``busy_timeout`` for the connection (restored after), PostgreSQL's
    ``lock_timeout`` and ``statement_timeout`` for the transaction (left alone
    inside a caller's transaction, which must not inherit them)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            (previous,) = cursor.fetchone()
            cursor.execute(f"PRAGMA busy_timeout = {QUERY_LOG_LOCK_WAIT_MS:d}")
        try:
            with transaction.atomic():
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {int(previous):d}")
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %(wait)s, true), "
                    "set_config('statement_timeout', %(wait)s, true)",
                    {"wait": f"{QUERY_LOG_LOCK_WAIT_MS}ms"},
                )
        yield


def search_query_record(*, query_text: str, results: int) -> bool:
    """Log one search: the normalised query, how many results, when. Never who
    searched: no user, no address, no session.

    Logging never fails the search it logs: when the database cannot take the row
    at once (locked, timed out, unreachable) the row is dropped with a warning and
    the function returns False. Raises nothing."""
    try:
        with _lock_wait_short():
            SearchQueryLog.objects.create(
                query=text.normalise(query_text)[:100], results=max(0, results)
            )
    except DatabaseError as exc:
        # The class only: a message may name hosts or credentials.
        logger.warning("search query log write skipped: %s", type(exc).__name__)
        return False
    return True


def search_query_log_purge(*, days: int | None = None) -> int:
    """Delete log rows older than ``days`` (default
    ``SEARCH_QUERY_LOG_RETENTION_DAYS``); returns how many went."""
    days = settings.SEARCH_QUERY_LOG_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = SearchQueryLog.objects.filter(searched_at__lt=cutoff).delete()
    return deleted


def search_synonyms_current() -> list[list[str]]:
    """Every usable synonym group, as normalised terms."""
    groups = (
        synonym_terms_split(raw)
        for raw in SearchSynonym.objects.order_by("pk").values_list("terms", flat=True)
    )
    return [group for group in groups if len(group) > 1]


def search_synonyms_sync() -> int:
    """Give the backend the current synonym groups (Elasticsearch keeps a copy in
    its query analyzer; the database backend reads them per query). Returns how
    many groups there are.

    Raises whatever the search backend raises when it is unreachable.
    """
    groups = search_synonyms_current()
    get_backend().synonyms_apply(groups)
    return len(groups)


def search_synonyms_load(*, lines: list[str] | None = None) -> int:
    """Add the groups of ``lines`` (default: the demo dictionary,
    ``search/synonyms.txt``; ``#`` starts a comment) that are not there yet, by
    their set of terms; returns how many were added. Raises ``ValueError`` naming
    the line of a group that is not usable."""
    if lines is None:
        lines = DEMO_SYNONYMS.read_text(encoding="utf-8").splitlines()
    existing = {frozenset(group) for group in search_synonyms_current()}
    added = 0
    with transaction.atomic():
        for number, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            problem = synonym_terms_problem(line)
            if problem:
                raise ValueError(f"synonyms line {number} ({line!r}): {problem}")
            terms = frozenset(synonym_terms_split(line))
            if terms in existing:
                continue
            SearchSynonym.objects.create(terms=line, note="演示同义词")
            existing.add(terms)
            added += 1
    return added
