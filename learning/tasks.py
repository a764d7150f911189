"""Celery tasks of learning (thin: take an id, re-fetch, call one service; safe to
run more than once).

``learning_import_task`` imports an uploaded file of organisations or members (an
import job) in the worker, so the admin request returns at once and shows the job's
progress.
"""

from __future__ import annotations

from celery import Task, shared_task

from dangke.import_jobs import import_job_task_run
from learning import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def learning_import_task(self: Task, job_id: int) -> None:
    """Import the organisations or members of the stored upload ``job_id``
    (``dangke.ImportJob``); a finished job is left alone, a job another run holds
    is retried later."""
    import_job_task_run(self, run=services.learning_import_job_run, job_id=job_id)
