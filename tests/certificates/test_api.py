"""A member's own certificates over the API (others' are 404), and organisers
issuing a class's certificates and revoking one."""

from __future__ import annotations

import pytest

from tests import factories
from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_a_member_lists_and_downloads_only_their_own(client_for, member, certificates):
    mine, theirs = certificates
    client = client_for(member.user)

    listed = client.get("/api/v3/certificates/mine").json()
    assert [c["number"] for c in listed] == [mine.number]
    assert listed[0]["verify_url"].endswith(f"/verify/{mine.code}")
    response = client.get(listed[0]["file_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert_problem(
        client.get(f"/api/v3/certificates/mine/{theirs.pk}/file"),
        404,
        "certificate_not_found",
    )


def test_an_organiser_may_download_nobodys_certificate_as_a_member(
    client_for, organiser, certificates
):
    client = client_for(organiser)
    assert client.get("/api/v3/certificates/mine").json() == []
    assert_problem(
        client.get(f"/api/v3/certificates/mine/{certificates[0].pk}/file"), 404
    )


def test_the_organiser_revokes_with_a_reason(client_for, organiser, certificates, tree):
    certificate = certificates[0]
    client = client_for(organiser)
    url = f"/api/v3/certificates/{certificate.pk}/revoke"

    assert_problem(
        client.post(url, {"reason": " "}, content_type="application/json"),
        400,
        "reason_required",
    )
    response = client.post(url, {"reason": "冒名"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["revoked_at"]
    assert_problem(
        client.post(url, {"reason": "再次"}, content_type="application/json"),
        409,
        "already_revoked",
    )
    outsider = factories.org_admin(organisation=tree["sub2"], username="outsider")
    assert_problem(
        client_for(outsider).post(
            f"/api/v3/certificates/{certificates[1].pk}/revoke",
            {"reason": "x"},
            content_type="application/json",
        ),
        404,
    )
    certificates[1].refresh_from_db()
    assert certificates[1].revoked_at is None


def test_the_organiser_issues_a_class_and_follows_the_batch(
    client_for,
    organiser,
    training_class,
    completers,
    tree,
    django_capture_on_commit_callbacks,
):
    from certificates.models import Certificate

    outsider = factories.org_admin(organisation=tree["sub2"], username="outsider")
    assert_problem(
        client_for(outsider).post(
            f"/api/v3/certificates/classes/{training_class.pk}/issue"
        ),
        404,
        "class_not_found",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(organiser).post(
            f"/api/v3/certificates/classes/{training_class.pk}/issue"
        )
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"  # the worker takes it from here
    batch = response.json()
    detail = client_for(organiser).get(f"/api/v3/certificates/batches/{batch['id']}")
    assert detail.json()["status"] == "done"
    assert detail.json()["issued_count"] == 2
    assert Certificate.objects.count() == 2
    assert_problem(
        client_for(outsider).get(f"/api/v3/certificates/batches/{batch['id']}"), 404
    )


def test_a_class_nobody_completed_is_refused(client_for, organiser, training_class):
    assert_problem(
        client_for(organiser).post(
            f"/api/v3/certificates/classes/{training_class.pk}/issue"
        ),
        409,
        "no_completers",
    )
