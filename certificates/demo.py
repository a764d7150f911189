"""Demo certificates that verify: the certificates of the demo's closed classes
(``training.demo`` closes one and asks for them), issued here at once rather than by
a worker, and a class of our own for the ``member`` login when no closed class has
them as a completer, so 学习档案 shows a certificate to download. Safe to run
again: nothing is issued twice.

Called by ``manage.py load_demo`` after the training demo.
"""

from __future__ import annotations

import sys
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TextIO

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch
from certificates.services import certificate_batch_run, certificate_verify_url
from dangke.progress import progress_line
from learning.models import ClassCompletion, Member, TrainingClass, TrainingSession

OWN_CLASS = "党员教育示范班（结业证书示例）"


def certificates_demo_load(*, stdout: TextIO | None = None) -> None:
    """Issue the certificates of every class with completions (idempotent)."""
    out = stdout or sys.stdout
    member = Member.objects.filter(user__username="member").first()
    if member is None:
        out.write("certificates demo: skipped (load learning's demo first)\n")
        return
    if not ClassCompletion.objects.filter(member=member).exists():
        _own_class(member)
    classes = list(
        TrainingClass.objects.filter(completions__isnull=False)
        .distinct()
        .order_by("pk")
    )
    try:
        for training_class in classes:
            _issue(training_class, out)
    except ImproperlyConfigured as exc:
        out.write(f"certificates demo: not issued ({exc})\n")
        return
    mine = Certificate.objects.filter(member=member).first()
    out.write(
        f"certificates demo: {Certificate.objects.count()} certificates"
        + (
            f"; member's verify page {certificate_verify_url(code=mine.code)}"
            if mine
            else ""
        )
        + "\n"
    )


def _issue(training_class: TrainingClass, out: TextIO) -> None:
    holders = Certificate.objects.filter(training_class=training_class).count()
    if holders >= training_class.completions.count():
        return
    batch = CertificateBatch.objects.filter(
        training_class=training_class,
        status__in=[CertificateBatch.Status.PENDING, CertificateBatch.Status.RUNNING],
    ).first() or CertificateBatch.objects.create(training_class=training_class)
    if batch.status == CertificateBatch.Status.RUNNING:
        # Left running by an interrupted load: this run takes it over.
        CertificateBatch.objects.filter(pk=batch.pk).update(lease_expires_at=None)
        CertificateBatch.objects.filter(pk=batch.pk).update(
            status=CertificateBatch.Status.PENDING
        )
    certificate_batch_run(
        batch_id=batch.pk,
        progress=lambda done, total: progress_line(
            done, total, f"结业证书 {training_class.title}", out
        ),
    )


def _own_class(member: Member) -> None:
    """A closed class of the member's sub-district with the member and two branch
    colleagues as completers."""
    organisation = member.organisation.parent or member.organisation
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        training_class, created = TrainingClass.objects.get_or_create(
            title=OWN_CLASS,
            organisation=organisation,
            defaults={"description": "两天集中培训，结业颁发证书（演示）"},
        )
        if created:
            for offset in (30, 29):
                day = today - timedelta(days=offset)
                TrainingSession.objects.create(
                    training_class=training_class,
                    title=f"第{31 - offset}天",
                    starts_at=datetime.combine(day, time(9), tz),
                    ends_at=datetime.combine(day, time(17), tz),
                    credit_hours=Decimal("4"),
                )
        colleagues = list(
            Member.objects.filter(organisation=member.organisation)
            .exclude(pk=member.pk)
            .order_by("pk")[:2]
        )
        completed_at = datetime.combine(today - timedelta(days=29), time(17), tz)
        for who in [member, *colleagues]:
            ClassCompletion.objects.get_or_create(
                training_class=training_class,
                member=who,
                defaults={"hours": Decimal("8"), "completed_at": completed_at},
            )
