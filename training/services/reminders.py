"""Reminders of the training year, handed to ``notices`` (the portal's notices and,
when due, e-mail through its senders): a notice to each enrolled member of a
session starting within the next two days (reminded two hours before), and to the
administrators of each organisation that has not yet submitted its yearly plan as
the deadline (``TrainingRule``) comes near. Each goes out once per session or per
organisation and year: a run again sends nothing twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from learning.models import OrganisationAdministrator, TrainingSession
from notices.models import Notice
from notices.services import notice_send
from training.models import ClassEnrolment, TrainingPlan, TrainingRule

SESSION_AHEAD = timedelta(days=2)
SESSION_REMIND_BEFORE = timedelta(hours=2)


def _not_yet_told(user_ids: list[int], topic: str) -> list[int]:
    told = set(
        Notice.objects.filter(topic=topic, recipient_id__in=user_ids).values_list(
            "recipient_id", flat=True
        )
    )
    return [pk for pk in dict.fromkeys(user_ids) if pk not in told]


def session_reminders_send(*, now: datetime | None = None) -> int:
    """Tell the enrolled members of every session starting within two days (of a
    class not closed), once; the notice reminds them two hours before. Returns how
    many notices were sent. Raises nothing."""
    now = now or timezone.now()
    sent = 0
    sessions = TrainingSession.objects.filter(
        starts_at__gt=now,
        starts_at__lte=now + SESSION_AHEAD,
        training_class__closed_at__isnull=True,
    ).select_related("training_class", "teaching_site")
    for session in sessions:
        topic = f"training.session:{session.pk}"
        user_ids = _not_yet_told(
            list(
                ClassEnrolment.objects.filter(
                    training_class=session.training_class,
                    status=ClassEnrolment.Status.ENROLLED,
                ).values_list("member__user_id", flat=True)
            ),
            topic,
        )
        if not user_ids:
            continue
        start = timezone.localtime(session.starts_at)
        where = session.teaching_site.title if session.teaching_site else ""
        remind_at = session.starts_at - SESSION_REMIND_BEFORE
        sent += notice_send(
            recipient_ids=user_ids,
            topic=topic,
            title=f"培训课次提醒：{session.training_class.title} · {session.title}",
            body=f"{start:%Y年%m月%d日 %H:%M} 开课"
            + (f"，地点：{where}" if where else "")
            + "。不能参加的请在“我的培训班”中请假。",
            link=f"/me/training/{session.training_class_id}/",
            remind_at=remind_at if remind_at > now else None,
            now=now,
        )
    return sent


def plan_deadline(*, year: int, rule: TrainingRule | None = None) -> date:
    """The day plans for ``year`` are due (``TrainingRule``, clamped to the
    month's last day)."""
    rule = rule or TrainingRule.load()
    day = rule.plan_due_day
    while True:
        try:
            return date(year, rule.plan_due_month, day)
        except ValueError:
            day -= 1


def plan_deadline_reminders_send(*, now: datetime | None = None) -> int:
    """As this year's plan deadline comes within ``plan_reminder_days``, tell the
    administrators of each organisation above the branches that has no plan
    submitted or filed for the year, once. Returns how many notices were sent.
    Raises nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rule = TrainingRule.load()
    year = today.year
    due = plan_deadline(year=year, rule=rule)
    if not (due - timedelta(days=rule.plan_reminder_days) <= today <= due):
        return 0
    done = TrainingPlan.objects.filter(year=year).filter(
        Q(status=TrainingPlan.Status.SUBMITTED) | Q(status=TrainingPlan.Status.FILED)
    )
    admins = (
        OrganisationAdministrator.objects.exclude(organisation__kind="branch")
        .exclude(organisation__in=done.values("organisation"))
        .select_related("organisation")
    )
    by_org: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for admin in admins:
        by_org.setdefault(admin.organisation_id, []).append(admin.user_id)
        names[admin.organisation_id] = admin.organisation.name
    sent = 0
    for organisation_id, user_ids in by_org.items():
        topic = f"training.plan_due:{organisation_id}:{year}"
        user_ids = _not_yet_told(user_ids, topic)
        if not user_ids:
            continue
        sent += notice_send(
            recipient_ids=user_ids,
            topic=topic,
            title=f"{year} 年度培训计划请于 {due:%m月%d日} 前报备",
            body=f"{names[organisation_id]}的 {year} 年度培训计划尚未报上级备案，"
            f"截止日期为 {due:%Y年%m月%d日}。",
            link="/admin/training/plans/",
            remind_at=now,
            now=now,
        )
    return sent


def training_reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """The worker's periodic run: session and plan-deadline reminders."""
    return {
        "sessions": session_reminders_send(now=now),
        "plans": plan_deadline_reminders_send(now=now),
    }
