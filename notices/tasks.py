"""The worker's periodic run that sends the reminders that are due (thin: one
service; a run twice sends nothing twice)."""

from __future__ import annotations

from celery import shared_task

from notices import services


@shared_task(acks_late=True, ignore_result=True)
def reminders_send_due_task() -> dict[str, int]:
    return services.reminders_send_due()
