"""Celery tasks of assessment (thin: call one service; safe to run any number of
times at once).

``quiz_attempts_close_expired_task`` closes and scores the attempts left open past
their deadline; run it every minute with Celery beat (``CELERY_BEAT_SCHEDULE``,
``BEAT_SCHEDULE`` below). Attempts are also closed lazily whenever they are
touched, so a missed run delays only what reports show.
"""

from __future__ import annotations

from celery import shared_task

from assessment import services

BEAT_SCHEDULE = {
    "assessment-close-expired-attempts": {
        "task": "assessment.tasks.quiz_attempts_close_expired_task",
        "schedule": 60.0,
    }
}


@shared_task(acks_late=True, ignore_result=True)
def quiz_attempts_close_expired_task() -> int:
    return services.attempts_close_expired()
