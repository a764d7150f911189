"""Celery tasks of assessment (thin: call one service; safe to run any number of
times at once).

``quiz_attempts_close_expired_task`` closes and scores the attempts left open past
their deadline; run it every minute with Celery beat (``CELERY_BEAT_SCHEDULE``,
``BEAT_SCHEDULE`` below). Attempts are also closed lazily whenever they are
touched, so a missed run delays only what reports show.

``questions_import_task`` imports an uploaded question file (an import job) in the
worker, so the admin request returns at once and shows the job's progress.
"""

from __future__ import annotations

from celery import Task, shared_task

from assessment import services
from dangke.import_jobs import import_job_task_run

BEAT_SCHEDULE = {
    "assessment-close-expired-attempts": {
        "task": "assessment.tasks.quiz_attempts_close_expired_task",
        "schedule": 60.0,
    }
}


@shared_task(acks_late=True, ignore_result=True)
def quiz_attempts_close_expired_task() -> int:
    return services.attempts_close_expired()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def questions_import_task(self: Task, job_id: int) -> None:
    """Import the questions of the stored upload ``job_id`` (``dangke.ImportJob``);
    a finished job is left alone, a job another run holds is retried later."""
    import_job_task_run(self, run=services.questions_import_job_run, job_id=job_id)
