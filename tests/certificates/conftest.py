"""Fixtures of certificates: a closed class of the first branch's sub-district with
two completers (the shared ``member`` of branch 1 and 欧阳明华 of branch 2), its
organiser (admin of sub1) and a way to issue its certificates inline."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture
def training_class(tree):
    from learning.models import TrainingClass, TrainingSession

    cls = TrainingClass.objects.create(
        title="2026年基层党组织书记示范培训班", organisation=tree["sub1"]
    )
    tz = timezone.get_current_timezone()
    for day in (3, 5):
        TrainingSession.objects.create(
            training_class=cls,
            title=f"第{day}日",
            starts_at=datetime(2026, 3, day, 9, tzinfo=tz),
            ends_at=datetime(2026, 3, day, 12, tzinfo=tz),
        )
    return cls


@pytest.fixture
def other_member(tree):
    member = factories.member(organisation=tree["branch1"], username="ouyang")
    member.name = "欧阳明华"
    member.save()
    return member


@pytest.fixture
def completers(training_class, member, other_member):
    from learning.models import ClassCompletion

    member.name = "张三明"
    member.save()
    for who in (member, other_member):
        ClassCompletion.objects.create(
            training_class=training_class,
            member=who,
            hours=Decimal("12.5"),
            completed_at=timezone.now(),
        )
    return [member, other_member]


@pytest.fixture
def organiser(tree):
    return factories.org_admin(organisation=tree["sub1"], username="organiser")


@pytest.fixture
def issue(django_capture_on_commit_callbacks):
    """Issue a class's certificates as closing it does, running the task inline."""
    from certificates.services import issue_for_class

    def run(training_class, issued_by=None):
        with django_capture_on_commit_callbacks(execute=True):
            batch = issue_for_class(training_class, issued_by)
        batch.refresh_from_db()
        return batch

    return run


@pytest.fixture
def certificates(training_class, completers):
    """The class's certificates as records (a small stand-in PDF each), for tests
    of who sees what; tests/certificates/test_services.py renders real ones."""
    from django.core.files.base import ContentFile

    from certificates.models import Certificate

    made = []
    for sequence, who in enumerate(completers, start=1):
        certificate = Certificate(
            training_class=training_class,
            member=who,
            issuer=training_class.organisation,
            year=2026,
            sequence=sequence,
            number=f"S1-2026-{sequence:05d}",
            member_name=who.name,
            class_title=training_class.title,
            issuer_name="中共越秀区某街道工委党校",
            starts_on=datetime(2026, 3, 3).date(),
            ends_on=datetime(2026, 3, 5).date(),
            hours=Decimal("12.5"),
        )
        certificate.file.save(
            "c.pdf",
            ContentFile(b"%PDF-1.4 certificate of " + who.name.encode()),
            save=False,
        )
        certificate.save()
        made.append(certificate)
    return made


# moto's S3 server and a fresh bucket as the default storage (tests/media_pipeline).
from tests.media_pipeline.conftest import s3_server, s3_storage  # noqa: E402, F401
