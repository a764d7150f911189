"""Reading certificates: a member's own, an organiser's, and what the public verify
page may show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from certificates.errors import CertificateNotFound, ClassNotFound
from certificates.models import Certificate, CertificateBatch
from certificates.services import mask_name, user_organises
from dangke.prepared import prepared_cursor
from learning import selectors as learning_selectors
from learning.models import TrainingClass


def certificates_of_user(*, user: Any) -> QuerySet[Certificate]:
    """The certificates of ``user``'s membership, newest first (none for an account
    without one)."""
    member = learning_selectors.member_for_user(user=user)
    if member is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(member_id=member.pk).order_by("-issued_at", "-pk")


def certificate_of_user(*, user: Any, certificate_id: int) -> Certificate:
    """``user``'s own certificate ``certificate_id``. Raises CertificateNotFound
    for anyone else's (the same answer as for none at all)."""
    certificate = certificates_of_user(user=user).filter(pk=certificate_id).first()
    if certificate is None:
        raise CertificateNotFound("没有这份证书")
    return certificate


def certificate_for_organiser(*, user: Any, certificate_id: int) -> Certificate:
    """Certificate ``certificate_id`` if ``user`` administers its issuer or an
    organisation above. Raises CertificateNotFound otherwise."""
    certificate = (
        Certificate.objects.select_related("issuer").filter(pk=certificate_id).first()
    )
    if certificate is None or not user_organises(
        user=user, organisation=certificate.issuer
    ):
        raise CertificateNotFound("没有这份证书")
    return certificate


def class_for_organiser(*, user: Any, class_id: int) -> TrainingClass:
    """Training class ``class_id`` if ``user`` may run it. Raises ClassNotFound."""
    training_class = (
        TrainingClass.objects.select_related("organisation").filter(pk=class_id).first()
    )
    if training_class is None or not user_organises(
        user=user, organisation=training_class.organisation
    ):
        raise ClassNotFound("没有这个培训班")
    return training_class


def batch_for_organiser(*, user: Any, batch_id: int) -> CertificateBatch:
    """Batch ``batch_id`` if ``user`` may run its class. Raises CertificateNotFound."""
    batch = (
        CertificateBatch.objects.select_related("training_class__organisation")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None or not user_organises(
        user=user, organisation=batch.training_class.organisation
    ):
        raise CertificateNotFound("没有这次发证")
    return batch


@dataclass(frozen=True)
class Verification:
    """All the public verify page shows of a certificate: nothing else."""

    valid: bool
    status_label: str
    masked_name: str
    class_title: str
    starts_on: date
    ends_on: date
    issuer_name: str
    issued_on: date
    revoked_on: date | None


_VERIFY_COLUMNS = (
    "member_name",
    "class_title",
    "starts_on",
    "ends_on",
    "issuer_name",
    "issued_at",
    "revoked_at",
)
_VERIFY_STATEMENTS = {
    # One row by the unique code; prepared once per connection on PostgreSQL
    # (dangke.prepared): a crowd's verifies skip the ORM's compiling and the
    # server's planning.
    "postgresql": (
        "SELECT member_name, class_title, starts_on, ends_on, issuer_name,"
        " issued_at, revoked_at FROM certificates_certificate"
        " WHERE code = %(code)s LIMIT 1"
    ),
    "sqlite": (
        "SELECT member_name, class_title, starts_on, ends_on, issuer_name,"
        " issued_at, revoked_at FROM certificates_certificate"
        " WHERE code = :code LIMIT 1"
    ),
}


def _verify_row(code: str) -> dict[str, Any] | None:
    statement = _VERIFY_STATEMENTS.get(connection.vendor)
    if statement is None:  # another database: the ORM
        return (
            Certificate.objects.filter(code=code)
            .order_by()
            .values(*_VERIFY_COLUMNS)
            .first()
        )
    with prepared_cursor() as cursor:
        cursor.execute(statement, {"code": code})
        row = cursor.fetchone()
    if row is None:
        return None
    values = dict(zip(_VERIFY_COLUMNS, row, strict=True))
    for name in ("starts_on", "ends_on"):  # SQLite without Django's converters
        if isinstance(values[name], str):
            values[name] = date.fromisoformat(values[name])
    for name in ("issued_at", "revoked_at"):
        value = values[name]
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value is not None and timezone.is_naive(value):  # SQLite keeps UTC
            value = timezone.make_aware(value, UTC)
        values[name] = value
    return values


def certificate_verify(*, code: str) -> Verification:
    """What the verify page says of the certificate with verify code ``code``.
    Raises CertificateNotFound for an unknown (forged) code."""
    row = _verify_row(code) if 20 <= len(code) <= 64 else None
    if row is None:
        raise CertificateNotFound("没有这份证书，请核对二维码或网址")
    revoked_at: datetime | None = row["revoked_at"]
    return Verification(
        valid=revoked_at is None,
        status_label="有效" if revoked_at is None else "已撤销",
        masked_name=mask_name(row["member_name"]),
        class_title=row["class_title"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        issuer_name=row["issuer_name"],
        issued_on=timezone.localdate(row["issued_at"]),
        revoked_on=timezone.localdate(revoked_at) if revoked_at else None,
    )
