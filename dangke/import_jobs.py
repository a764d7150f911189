"""Import jobs: an uploaded file imported by the worker while the admin shows its
progress.

The admin view stores the upload as an ``ImportJob`` and queues its app's task with
the job's id (``dangke.import_views.import_job_start``); the task
(``import_job_task_run``) calls the app's service, which calls ``import_job_run``
here with the function that does the work. That function
reads the file, validates every row first (nothing is written when a row is bad),
then writes in short transactions of ``IMPORT_BATCH_SIZE`` rows, reporting its
progress as it goes; the job page (``dangke.import_views``) refreshes until the job
is done and then shows the counts or the bad rows.

A job may be run more than once (a redelivered task): the first run claims it with
a lease that each progress report extends; a second run while the lease holds gets
``ImportJobBusy`` (its task retries later), and a finished job is left alone. Should
a run die halfway through writing, running the same file again completes it, since
the apps' imports match rows by a natural key and never duplicate them.

This module imports no app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.utils import timezone

from dangke.errors import Conflict, DomainError
from dangke.models import ImportJob

logger = logging.getLogger(__name__)

Report = Callable[[str, int], None]  # (stage, percent)
Progress = Callable[[int, int], None]  # (done, in all)


@dataclass
class ImportCounts:
    """What an import did: rows read, and rows created, updated, left unchanged."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


Work = Callable[[ImportJob, bytes, Report], ImportCounts]


class ImportJobBusy(Conflict):
    """Another run holds the job's lease (it is importing right now)."""

    code = "import_job_busy"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


def import_job_create(
    *, kind: str, upload: UploadedFile, options: dict[str, Any], user: Any
) -> ImportJob:
    """Store ``upload`` as a pending job of ``kind`` with the app's ``options``
    (JSON), for ``user``. Raises nothing of its own."""
    job = ImportJob(
        kind=kind,
        file_name=(upload.name or "upload")[:255],
        options=options,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    job.file.save(upload.name or "upload", upload, save=False)
    job.save()
    return job


def import_job_for_user(*, job_id: int, user: Any) -> ImportJob | None:
    """The job if ``user`` started it or is a superuser, else None."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not (user.is_superuser or job.created_by_id == user.pk):
        return None
    return job


def import_jobs_recent(
    *, user: Any, kinds: list[str], limit: int = 5
) -> list[ImportJob]:
    """The last ``limit`` jobs of ``kinds`` that ``user`` started, newest first (so
    the import page leads back to a job left running)."""
    return list(
        ImportJob.objects.filter(created_by_id=user.pk, kind__in=kinds).order_by(
            "-created_at", "-pk"
        )[:limit]
    )


def import_job_task_run(
    task: Task, *, run: Callable[..., ImportJob], job_id: int
) -> None:
    """The body of an app's import task: ``run(job_id=job_id)`` (the app's service
    around ``import_job_run``). A job gone is left alone; a job another run holds is
    retried when its lease ends (in an eager run, the run holding it in this process
    finishes it). Raises Celery's ``Retry``."""
    try:
        run(job_id=job_id)
    except ImportJob.DoesNotExist:
        return None
    except ImportJobBusy as exc:
        if task.request.is_eager:
            return None
        raise task.retry(countdown=exc.retry_after, max_retries=None) from exc
    return None


def progress_phase(report: Report, stage: str, start: int, end: int) -> Progress:
    """A ``(done, in all)`` callback that reports ``stage`` between ``start`` and
    ``end`` percent."""

    def step(done: int, total: int) -> None:
        share = done / total if total else 1
        report(stage, start + int((end - start) * share))

    return step


def import_job_run(*, job_id: int, work: Work) -> ImportJob:
    """Run the job ``job_id`` with ``work(job, content, report)`` unless another run
    holds it or it has finished. A DomainError from ``work`` fails the job with its
    message and its ``errors`` (row, message) if it has any, the first
    ``IMPORT_MAX_LISTED_ERRORS`` listed; the stored upload is deleted when the job
    finishes either way.

    Raises ImportJob.DoesNotExist, ImportJobBusy, and whatever unexpected error
    ``work`` raised (after failing the job with a reason).
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(
            Q(status=ImportJob.Status.PENDING)
            | Q(status=ImportJob.Status.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            status=ImportJob.Status.RUNNING,
            stage="读取文件",
            progress=0,
            lease_expires_at=now + lease,
        )
    )
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        if job.finished:
            return job
        left = (job.lease_expires_at or now) - now
        raise ImportJobBusy(
            "该导入任务正在进行", retry_after=max(1, int(left.total_seconds()) + 1)
        )
    last: list[tuple[str, int]] = [("读取文件", 0)]

    def report(stage: str, percent: int) -> None:
        percent = max(0, min(99, percent))
        if (stage, percent) == last[0]:
            return
        last[0] = (stage, percent)
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING).update(
            stage=stage,
            progress=percent,
            lease_expires_at=timezone.now() + lease,
        )

    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        counts = work(job, content, report)
    except DomainError as exc:
        rows = list(getattr(exc, "errors", None) or [])
        listed = settings.IMPORT_MAX_LISTED_ERRORS
        _finish(
            job,
            status=ImportJob.Status.FAILED,
            detail=exc.detail,
            error_code=exc.code,
            errors=[[row, message] for row, message in rows[:listed]],
            error_count=len(rows),
        )
    except Exception as exc:
        logger.exception("import job %s failed", job_id)
        _finish(
            job,
            status=ImportJob.Status.FAILED,
            detail=(
                f"导入中途出错（{type(exc).__name__}）。已写入的行保留，"
                "再次导入同一文件即可补全，不会重复"
            ),
            error_code="import_interrupted",
        )
        raise
    else:
        _finish(
            job,
            status=ImportJob.Status.DONE,
            progress=100,
            row_count=counts.rows,
            created_count=counts.created,
            updated_count=counts.updated,
            unchanged_count=counts.unchanged,
        )
    return job


def import_job_unqueued(*, job: ImportJob, reason: str) -> None:
    """Fail ``job``, which the task queue did not take (its broker is down): nothing
    was imported and the upload is not kept, so the user tries again later."""
    _finish(
        job,
        status=ImportJob.Status.FAILED,
        detail=f"任务队列暂时不可用（{reason}），文件未导入，请稍后重新上传",
        error_code="queue_unavailable",
    )


def _finish(job: ImportJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.stage = ""
    job.finished_at = timezone.now()
    job.lease_expires_at = None
    # The upload may hold member data: it is not kept once the job is over.
    if job.file:
        try:
            job.file.delete(save=False)
        except OSError:
            logger.warning("import job %s: upload not deleted", job.pk)
    job.save()
