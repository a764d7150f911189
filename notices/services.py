"""Notices and reminders: sending a notice to accounts (shown in the portal),
marking it read, and the worker's run that sends the reminders that are due
through every configured sender (``notices.senders``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from dangke.errors import NotFound
from notices.models import Notice
from notices.senders import SendFailed, SendSkipped, senders_configured

logger = logging.getLogger(__name__)
REMIND_TRIES = 5  # a reminder failing this often is given up, its reason kept


class NoticeNotFound(NotFound):
    code = "notice_not_found"


def notice_send(
    *,
    recipient_ids: Iterable[int],
    topic: str,
    title: str,
    body: str = "",
    link: str = "",
    remind_at: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Give each account of ``recipient_ids`` the notice about ``topic`` (sending
    again about the same topic updates it and marks it unread; a changed
    ``remind_at`` reminds again). Returns how many accounts got it. Raises
    nothing."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        for user_id in dict.fromkeys(recipient_ids):
            notice, created = Notice.objects.get_or_create(
                recipient_id=user_id,
                topic=topic,
                defaults={
                    "title": title,
                    "body": body,
                    "link": link,
                    "created_at": now,
                    "remind_at": remind_at,
                },
            )
            if not created:
                changed_time = notice.remind_at != remind_at
                notice.title, notice.body, notice.link = title, body, link
                notice.created_at, notice.read_at = now, None
                if changed_time:
                    notice.remind_at = remind_at
                    notice.reminded_at = None
                    notice.remind_tries = 0
                    notice.remind_error = ""
                notice.save()
            count += 1
    return count


def notice_withdraw(*, topic: str, keep_recipient_ids: Iterable[int] = ()) -> int:
    """Remove the notices about ``topic`` except those of ``keep_recipient_ids``
    (e.g. someone no longer asked to a meeting). Returns how many. Raises
    nothing."""
    deleted, _ = (
        Notice.objects.filter(topic=topic)
        .exclude(recipient_id__in=list(keep_recipient_ids))
        .delete()
    )
    return deleted


def notice_mark_read(*, user, notice_id: int, now: datetime | None = None) -> Notice:
    """Mark the user's notice read. Raises NoticeNotFound (none, or another's)."""
    notice = Notice.objects.filter(pk=notice_id, recipient_id=user.pk).first()
    if notice is None:
        raise NoticeNotFound(f"通知 {notice_id} 不存在")
    if notice.read_at is None:
        notice.read_at = now or timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


def notices_for(*, user, unread_only: bool = False, limit: int = 50) -> list[Notice]:
    """The account's notices, newest first."""
    notices = Notice.objects.filter(recipient_id=user.pk)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return list(notices[:limit])


def notices_unread_count(*, user) -> int:
    """How many of the account's notices are unread."""
    return Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def reminders_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every reminder whose time has come through every configured sender,
    each at most once: a notice is claimed (``reminded_at`` set) before it is
    sent, so two runs never send it twice; a sender failing returns the claim
    with the reason, to be tried again at the next run (up to ``REMIND_TRIES``).
    Returns counts of sent, skipped and failed reminders. Raises nothing."""
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    senders = senders_configured()
    due = Notice.objects.filter(
        remind_at__lte=now, reminded_at__isnull=True, remind_tries__lt=REMIND_TRIES
    ).values_list("pk", flat=True)
    for notice_id in list(due[: settings.NOTICE_REMINDERS_PER_RUN]):
        claimed = Notice.objects.filter(pk=notice_id, reminded_at__isnull=True).update(
            reminded_at=now
        )
        if not claimed:
            continue
        notice = Notice.objects.get(pk=notice_id)
        recipient = get_user_model().objects.get(pk=notice.recipient_id)
        errors = []
        delivered = False
        for sender in senders:
            try:
                sender.send(notice=notice, recipient=recipient)
                delivered = True
            except SendSkipped:
                continue
            except SendFailed as exc:
                errors.append(f"{sender.name}: {exc}")
        if errors:
            Notice.objects.filter(pk=notice_id).update(
                reminded_at=None,
                remind_tries=notice.remind_tries + 1,
                remind_error="; ".join(errors)[:300],
            )
            logger.warning("reminder %s not sent: %s", notice_id, "; ".join(errors))
            counts["failed"] += 1
        elif delivered:
            counts["sent"] += 1
        else:
            counts["skipped"] += 1
    return counts
