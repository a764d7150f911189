"""The worker's periodic run of the training year's reminders (thin: one service;
a run twice sends nothing twice)."""

from __future__ import annotations

from celery import shared_task

from training.services.reminders import training_reminders_send


@shared_task(acks_late=True, ignore_result=True)
def training_reminders_task() -> dict[str, int]:
    return training_reminders_send()
