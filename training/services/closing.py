"""结班: closing a class once every session is held, its attendance is settled and
its papers are attached; the completers' records and 学时, once."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from learning.models import ClassCompletion, CreditRecord, TrainingClass
from learning.selectors.scoping import UserLike
from learning.services import credit_record_add, rollup_batch
from training import selectors
from training.errors import ClassClosed, ClassNotReady
from training.services.enrolment import class_organiser_check


@dataclass(frozen=True)
class ClosingResult:
    training_class: TrainingClass
    completions: list[ClassCompletion]
    not_completed: list[selectors.MemberStanding]
    certificates_requested: bool


def certificates_available() -> bool:
    """True when the certificates app is installed and offers ``issue_for_class``."""
    if importlib.util.find_spec("certificates") is None:
        return False
    if not apps.is_installed("certificates"):
        return False
    from certificates import services as certificate_services

    return hasattr(certificate_services, "issue_for_class")


def class_close(
    *, user: UserLike, training_class: TrainingClass, now: datetime | None = None
) -> ClosingResult:
    """Close (结班) ``training_class``: record a ``ClassCompletion`` for every
    participant who meets the class's completion rule, with the class's 学时;
    when the class grants its 学时 at 结业 (``credit_at_completion``), record them
    as credit records (roll-ups kept in the same transaction); then ask the
    certificates app to issue the completers' certificates. Once only: a second
    close, even at the same moment, is refused and grants nothing.

    Raises NotOrganiser, ClassClosed (closed already) and ClassNotReady (with
    ``missing``: a session not held, an open leave or 补签 request or application,
    a paper missing)."""
    class_organiser_check(user=user, training_class=training_class)
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            TrainingClass.objects.select_for_update()
            .select_related("organisation")
            .get(pk=training_class.pk)
        )
        if locked.closed_at is not None:
            raise ClassClosed(
                f"培训班“{locked.title}”已于"
                f"{timezone.localtime(locked.closed_at):%Y-%m-%d %H:%M}结班",
                code="already_closed",
            )
        problems = selectors.class_close_problems(training_class=locked, now=now)
        if problems:
            raise ClassNotReady(
                f"培训班“{locked.title}”还不能结班："
                + "；".join(p.detail for p in problems),
                missing=[{"code": p.code, "detail": p.detail} for p in problems],
            )
        # The closing itself is the first write: of two closes at once, one
        # updates the row and the other finds it closed (SQLite has no row lock).
        if not TrainingClass.objects.filter(
            pk=locked.pk, closed_at__isnull=True
        ).update(closed_at=now, closed_by=user):
            raise ClassClosed(f"培训班“{locked.title}”已结班", code="already_closed")
        locked.closed_at, locked.closed_by = now, user
        hours = selectors.class_hours(training_class=locked)
        standings = selectors.class_standings(training_class=locked)
        completers = [s for s in standings if s.completes]
        completions = ClassCompletion.objects.bulk_create(
            [
                ClassCompletion(
                    training_class=locked,
                    member=s.member,
                    hours=hours,
                    completed_at=now,
                )
                for s in completers
            ]
        )
        if locked.credit_at_completion and hours > Decimal("0"):
            with rollup_batch():
                for standing in completers:
                    credit_record_add(
                        member=standing.member,
                        source=CreditRecord.Source.CLASS,
                        source_id=locked.pk,
                        title=f"{locked.title}（结业）",
                        hours=hours,
                        now=now,
                    )
        requested = False
        if completions and certificates_available():
            from certificates.services import issue_for_class

            issue_for_class(locked, issued_by=user)
            requested = True
    return ClosingResult(
        training_class=locked,
        completions=completions,
        not_completed=[s for s in standings if not s.completes],
        certificates_requested=requested,
    )
