"""Celery tasks of certificates (thin: take an id, re-fetch, call one service; safe
to run more than once)."""

from __future__ import annotations

from celery import Task, shared_task

from certificates import services
from certificates.errors import BatchBusy
from certificates.models import CertificateBatch


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def certificate_batch_task(self: Task, batch_id: int) -> None:
    """Issue the missing certificates of batch ``batch_id``; a finished batch is
    left alone, one another run holds is retried when its lease ends."""
    try:
        services.certificate_batch_run(batch_id=batch_id)
    except CertificateBatch.DoesNotExist:
        return None
    except BatchBusy as exc:
        if self.request.is_eager:
            return None
        raise self.retry(countdown=exc.retry_after, max_retries=None) from exc
    return None
