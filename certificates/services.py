"""Issuing, rendering and revoking 结业证书.

``issue_for_class`` is what closing a class (结班, ``training``) calls once the
class's ``learning.ClassCompletion`` rows exist: it records a batch and queues the
worker task, which issues one certificate per completer with a progress
percentage (``certificate_batch_run``). Issuing is idempotent: a member has at most
one certificate per class (a database constraint), so a batch run again, or two
runs at once, issue nothing twice.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from certificates.errors import (
    AlreadyRevoked,
    BatchBusy,
    NoCompleters,
    NotOrganiser,
    ReasonRequired,
    VerifyRateLimited,
)
from certificates.models import (
    Certificate,
    CertificateBatch,
    CertificateSequence,
    IssuerProfile,
)
from dangke.audit import audit_record
from dangke.links import portal_url, qr_png
from dangke.pdf import pdf_render
from dangke.ratelimit import rate_limit_exceeded
from learning import selectors as learning_selectors
from learning.models import Member, Organisation, TrainingClass

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (done, in all)


def mask_name(name: str) -> str:
    """A name as the verify page shows it: the first and last characters, the
    middle starred (张*明, 欧阳**华); a two-character name keeps its first (李*),
    one character is starred."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def hours_text(hours: Decimal) -> str:
    """学时 as printed: 12.5, 12, 0.25 (no trailing zeros)."""
    text = f"{Decimal(hours).normalize():f}"
    return text


def certificate_verify_url(*, code: str) -> str:
    """The URL of the public verify page of ``code`` (what the QR holds), by the
    portal's one link rule without a request (``dangke.links``)."""
    return portal_url(reverse("certificate_verify", args=[code]))


@dataclass(frozen=True)
class Issuer:
    """How an organisation signs: the printed name and the seal as a data URI."""

    organisation: Organisation
    name: str
    seal_uri: str


def issuer_for(*, organisation: Organisation) -> Issuer:
    """The organisation's signature from its ``IssuerProfile`` (its name and no seal
    without one). A seal file that cannot be read is left off, logged."""
    profile = (
        IssuerProfile.objects.filter(organisation=organisation)
        .select_related("seal")
        .first()
    )
    name = (profile.issuer_name if profile else "") or organisation.name
    seal_uri = ""
    if profile and profile.seal_id:
        try:
            with profile.seal.file.open("rb") as handle:
                content = handle.read()
            kind = "png" if content[:8] == b"\x89PNG\r\n\x1a\n" else "jpeg"
            seal_uri = f"data:image/{kind};base64," + base64.b64encode(content).decode()
        except OSError:
            logger.warning("seal of %s not readable", organisation.code)
    return Issuer(organisation=organisation, name=name, seal_uri=seal_uri)


def class_dates(*, training_class: TrainingClass, fallback: date) -> tuple[date, date]:
    """First and last day of the class's sessions (Beijing dates); ``fallback``
    for both when it has none (an online-only class)."""
    span = training_class.sessions.aggregate(
        first=Min("starts_at"), last=Max("ends_at")
    )
    if not span["first"]:
        return fallback, fallback
    return (
        timezone.localdate(span["first"]),
        timezone.localdate(span["last"] or span["first"]),
    )


def certificate_pdf(*, certificate: Certificate, issuer: Issuer) -> bytes:
    """The certificate's PDF: its fields, the issuer's seal, and a QR of the verify
    page. Raises ImproperlyConfigured when the PDF font is missing."""
    verify_url = certificate_verify_url(code=certificate.code)
    qr = base64.b64encode(qr_png(verify_url, box_size=6)).decode()
    return pdf_render(
        template_name="certificates/certificate_pdf.html",
        context={
            "certificate": certificate,
            "issuer": issuer,
            "qr_uri": f"data:image/png;base64,{qr}",
            "verify_url": verify_url,
            "hours": hours_text(certificate.hours),
        },
        title=f"结业证书 {certificate.number}",
        landscape=True,
    )


def certificate_number(*, issuer: Organisation, year: int, sequence: int) -> str:
    """证书编号: the issuer's code, the year and the issuer's running number."""
    return f"{issuer.code}-{year}-{sequence:05d}"


def certificate_issue(
    *,
    training_class: TrainingClass,
    member: Member,
    hours: Decimal,
    completed_at: datetime,
    issued_by: Any | None,
    issuer: Issuer,
    dates: tuple[date, date] | None = None,
) -> Certificate | None:
    """Issue ``member``'s certificate for ``training_class`` (``hours`` 学时):
    number it in the issuer's sequence of the year, render its PDF and store it.
    Returns None when the member has one for the class already (also when another
    run issued it a moment ago). Raises ImproperlyConfigured (no PDF font)."""
    if Certificate.objects.filter(
        training_class=training_class, member=member
    ).exists():
        return None
    now = timezone.now()
    year = timezone.localdate(now).year
    starts_on, ends_on = dates or class_dates(
        training_class=training_class, fallback=timezone.localdate(completed_at)
    )
    certificate = Certificate(
        training_class=training_class,
        member=member,
        issuer=issuer.organisation,
        year=year,
        member_name=member.name,
        class_title=training_class.title,
        issuer_name=issuer.name,
        starts_on=starts_on,
        ends_on=ends_on,
        hours=hours,
        issued_at=now,
        issued_by=issued_by if getattr(issued_by, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            counter, _ = CertificateSequence.objects.get_or_create(
                issuer=issuer.organisation, year=year
            )
            # The row stays locked until the certificate is saved: numbers run
            # without gaps, one writer at a time per issuer and year.
            CertificateSequence.objects.filter(pk=counter.pk).update(last=F("last") + 1)
            certificate.sequence = CertificateSequence.objects.values_list(
                "last", flat=True
            ).get(pk=counter.pk)
            certificate.number = certificate_number(
                issuer=issuer.organisation, year=year, sequence=certificate.sequence
            )
            content = certificate_pdf(certificate=certificate, issuer=issuer)
            certificate.file.save(
                f"{certificate.number}.pdf", ContentFile(content), save=False
            )
            certificate.save()
    except IntegrityError:
        # Another run issued this member's certificate first: theirs stands.
        if certificate.file:
            certificate.file.delete(save=False)
        if Certificate.objects.filter(
            training_class=training_class, member=member
        ).exists():
            return None
        raise
    return certificate


def issue_for_class(
    training_class: TrainingClass, issued_by: Any | None = None
) -> CertificateBatch:
    """Queue the certificates of everyone recorded as completing
    ``training_class`` (``learning.ClassCompletion``), issued by the worker in a
    batch whose progress the admin and the API show. Call it inside the
    transaction that records the completions: the task is sent after it commits.
    Those who hold a certificate for the class already get no second one.

    Raises nothing; a task queue that cannot take the job fails the batch with a
    reason (``queue_unavailable``), and issuing it again later completes it."""
    batch = CertificateBatch.objects.create(
        training_class=training_class,
        created_by=issued_by if getattr(issued_by, "pk", None) else None,
    )
    transaction.on_commit(lambda: certificate_batch_queue(batch=batch))
    return batch


def certificate_batch_queue(*, batch: CertificateBatch) -> None:
    """Send the batch's task; fail the batch when the queue cannot take it."""
    from certificates.tasks import certificate_batch_task

    try:
        certificate_batch_task.delay(batch.pk)
    except BrokerUnavailable as exc:
        logger.warning("certificate batch %s not queued: %s", batch.pk, exc)
        _finish(
            batch,
            status=CertificateBatch.Status.FAILED,
            detail=f"任务队列暂时不可用（{type(exc).__name__}），证书未发放，请稍后重新发证",
        )


def class_issue_start(*, user: Any, training_class: TrainingClass) -> CertificateBatch:
    """An organiser's request to issue (or complete) a class's certificates.
    Raises NotOrganiser, NoCompleters (nobody recorded as completing yet)."""
    if not user_organises(user=user, organisation=training_class.organisation):
        raise NotOrganiser("只有主办党组织（或上级党组织）的管理员可以发放证书")
    from learning.models import ClassCompletion

    if not ClassCompletion.objects.filter(training_class=training_class).exists():
        raise NoCompleters("该培训班还没有结业学员（请先结班）")
    with transaction.atomic():
        return issue_for_class(training_class, user)


def user_organises(*, user: Any, organisation: Organisation) -> bool:
    """True for administrators of ``organisation`` or of an organisation above it
    (and for editors who see every organisation)."""
    return learning_selectors.user_can_report_on(user=user, organisation=organisation)


def certificate_batch_run(
    *, batch_id: int, progress: Progress | None = None
) -> CertificateBatch:
    """Issue the missing certificates of batch ``batch_id``'s class, reporting the
    percentage on the batch (and ``progress(done, in all)`` when given). A
    finished batch is left alone; one another run holds raises BatchBusy.
    Raises CertificateBatch.DoesNotExist, BatchBusy, and what rendering raised
    (after failing the batch with a reason)."""
    from learning.models import ClassCompletion

    now = timezone.now()
    lease = timedelta(seconds=settings.IMPORT_LEASE_SECONDS)
    claimed = (
        CertificateBatch.objects.filter(pk=batch_id)
        .filter(
            Q(status=CertificateBatch.Status.PENDING)
            | Q(status=CertificateBatch.Status.RUNNING, lease_expires_at__lt=now)
        )
        .update(
            status=CertificateBatch.Status.RUNNING,
            progress=0,
            lease_expires_at=now + lease,
        )
    )
    batch = CertificateBatch.objects.select_related(
        "training_class__organisation", "created_by"
    ).get(pk=batch_id)
    if not claimed:
        if batch.finished:
            return batch
        left = (batch.lease_expires_at or now) - now
        raise BatchBusy(
            "该培训班的证书正在发放",
            retry_after=max(1, int(left.total_seconds()) + 1),
        )
    training_class = batch.training_class
    completions = list(
        ClassCompletion.objects.filter(training_class=training_class)
        .select_related("member")
        .order_by("pk")
    )
    holders = set(
        Certificate.objects.filter(training_class=training_class).values_list(
            "member_id", flat=True
        )
    )
    todo = [c for c in completions if c.member_id not in holders]
    CertificateBatch.objects.filter(pk=batch_id).update(
        total=len(completions), existing_count=len(completions) - len(todo)
    )
    issuer = issuer_for(organisation=training_class.organisation)
    fallback = timezone.localdate(completions[0].completed_at) if completions else None
    dates = (
        class_dates(training_class=training_class, fallback=fallback)
        if fallback
        else None
    )
    issued = 0
    last_percent = 0
    try:
        for done, completion in enumerate(todo, start=1):
            if certificate_issue(
                training_class=training_class,
                member=completion.member,
                hours=completion.hours,
                completed_at=completion.completed_at,
                issued_by=batch.created_by,
                issuer=issuer,
                dates=dates,
            ):
                issued += 1
            percent = min(99, int(100 * done / len(todo)))
            if progress:
                progress(done, len(todo))
            if percent != last_percent:
                last_percent = percent
                CertificateBatch.objects.filter(pk=batch_id).update(
                    progress=percent,
                    issued_count=issued,
                    lease_expires_at=timezone.now() + lease,
                )
    except Exception as exc:
        logger.exception("certificate batch %s failed", batch_id)
        batch.issued_count = issued
        _finish(
            batch,
            status=CertificateBatch.Status.FAILED,
            detail=(
                f"发证中途出错（{type(exc).__name__}）。已发的证书保留，"
                "再次发证即可补全，不会重复"
            ),
        )
        raise
    batch.refresh_from_db()
    batch.issued_count = issued
    _finish(
        batch,
        status=CertificateBatch.Status.DONE,
        progress=100,
        detail=f"结业 {batch.total} 人，本次发证 {issued} 份，此前已发 {batch.existing_count} 份",
    )
    return batch


def _finish(batch: CertificateBatch, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.finished_at = timezone.now()
    batch.lease_expires_at = None
    batch.save()


def certificate_revoke(
    *, certificate: Certificate, user: Any, reason: str, channel: str
) -> Certificate:
    """Revoke ``certificate`` for ``reason`` (kept on the record and in the audit
    log; the verify page shows only that it is revoked, and when). Raises
    NotOrganiser, ReasonRequired, AlreadyRevoked."""
    if not user_organises(user=user, organisation=certificate.issuer):
        raise NotOrganiser("只有发证党组织（或上级党组织）的管理员可以撤销证书")
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("请填写撤销原因")
    with transaction.atomic():
        updated = Certificate.objects.filter(
            pk=certificate.pk, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_by=user, revoked_reason=reason)
        if not updated:
            raise AlreadyRevoked("该证书已被撤销")
        audit_record(
            actor=user,
            action="revoke",
            subject="certificates.certificate",
            channel=channel,
            scope={
                "organisation": certificate.issuer.code,
                "certificate": certificate.number,
                "reason": reason,
            },
            row_count=1,
        )
    certificate.refresh_from_db()
    return certificate


def verify_rate_check(*, address: str) -> None:
    """Count one verify request from ``address``. Raises VerifyRateLimited past
    ``CERTIFICATE_VERIFY_PER_MINUTE`` requests in the current minute (the page and
    the API share the budget)."""
    if rate_limit_exceeded(
        bucket="certificate-verify",
        who=address or "-",
        limit=settings.CERTIFICATE_VERIFY_PER_MINUTE,
    ):
        raise VerifyRateLimited("验证请求过于频繁，请一分钟后再试")
