"""The admin page of an import job: its progress while the worker imports (the page
refreshes itself every two seconds, no script needed), then the counts or the bad
rows. Every app's import view ends here (``import_job_start``)."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerUnavailable

from dangke.import_jobs import (
    import_job_create,
    import_job_for_user,
    import_job_unqueued,
)
from dangke.models import ImportJob

logger = logging.getLogger(__name__)

REFRESH_SECONDS = 2


def import_job_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job ``job_id`` for the user who started it (or a superuser); 404 for
    anyone else."""
    job = import_job_for_user(job_id=job_id, user=request.user)
    if job is None:
        raise Http404("没有这个导入任务")
    return _page(request, job)


def import_job_start(
    request: HttpRequest,
    *,
    kind: str,
    upload: UploadedFile,
    options: dict[str, Any],
    task: Task,
) -> HttpResponse:
    """Store ``upload`` as a job of ``kind`` for the requesting user and queue
    ``task`` (the app's import task) with its id; then the result at once when the
    job has already finished (a small file, or tasks run inline), else a redirect to
    the job's page, which refreshes until it has."""
    job = import_job_create(
        kind=kind, upload=upload, options=options, user=request.user
    )
    # Not inside a transaction: the job row is committed, the worker finds it.
    try:
        task.delay(job.pk)
    except BrokerUnavailable as exc:
        logger.warning("import job %s not queued: %s", job.pk, type(exc).__name__)
        import_job_unqueued(job=job, reason=type(exc).__name__)
        return _page(request, job, status=503)
    job.refresh_from_db()
    if job.finished:
        return _page(request, job)
    return redirect("import_job", job_id=job.pk)


def _page(request: HttpRequest, job: ImportJob, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "dangke/import_job.html",
        {
            "job": job,
            "errors": [tuple(error) for error in job.errors],
            "unit": job.options.get("unit", "行"),
            "back_url": job.options.get("back_url", ""),
            "refresh": None if job.finished else REFRESH_SECONDS,
            "refresh_url": reverse("import_job", kwargs={"job_id": job.pk}),
            "page_title": job.options.get("title", "导入"),
        },
        status=status,
    )
