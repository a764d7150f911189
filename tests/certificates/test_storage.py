"""Certificates are stored through Django's storage: on S3 (moto's server over
loopback) as on disk, and downloaded by their member from there."""

from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_a_certificate_is_stored_on_s3_and_downloaded_from_it(
    s3_storage, training_class, member, client_for, issue
):
    from certificates.models import Certificate
    from learning.models import ClassCompletion

    client, bucket = s3_storage
    ClassCompletion.objects.create(
        training_class=training_class,
        member=member,
        hours=4,
        completed_at=timezone.now(),
    )
    issue(training_class)

    certificate = Certificate.objects.get(member=member)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [certificate.file.name]
    assert keys[0].startswith("certificates/") and keys[0].endswith(".pdf")
    stored = client.get_object(Bucket=bucket, Key=keys[0])["Body"].read()
    assert stored.startswith(b"%PDF")
    response = client_for(member.user).get(
        f"/api/v3/certificates/mine/{certificate.pk}/file"
    )
    assert b"".join(response.streaming_content) == stored
