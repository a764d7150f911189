"""The certificates part of the authorisation matrix's world
(``tests/dangke/test_authorisation_matrix.py``): the member's certificate of a
class of S1 (a record with a stand-in PDF), the member's completion behind it and a
finished batch."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch
from learning.models import ClassCompletion


def certificates_world(*, member, training_class) -> dict:
    """Ids for the rows: ``certificate``, its verify ``certificate_code``, the
    ``certificate_class`` and a ``certificate_batch`` of it."""
    ClassCompletion.objects.create(
        training_class=training_class,
        member=member,
        hours=Decimal("8"),
        completed_at=timezone.now(),
    )
    certificate = Certificate(
        training_class=training_class,
        member=member,
        issuer=training_class.organisation,
        year=2026,
        sequence=1,
        number="S1-2026-00001",
        member_name=member.name,
        class_title=training_class.title,
        issuer_name=training_class.organisation.name,
        starts_on=date(2026, 3, 3),
        ends_on=date(2026, 3, 5),
        hours=Decimal("8"),
    )
    certificate.file.save("c.pdf", ContentFile(b"%PDF-1.4 certificate\n"), save=False)
    certificate.save()
    batch = CertificateBatch.objects.create(
        training_class=training_class, status="done", progress=100, total=1
    )
    return {
        "certificate": certificate.pk,
        "certificate_code": certificate.code,
        "certificate_class": training_class.pk,
        "certificate_batch": batch.pk,
    }
