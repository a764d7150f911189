"""The admin's 结业证书 pages for organisers (their subtrees only) and the member's
学习档案 listing their own certificates."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_organiser_issues_from_the_admin_and_watches_the_batch(
    client_for,
    organiser,
    training_class,
    completers,
    django_capture_on_commit_callbacks,
):
    from certificates.models import Certificate

    client = client_for(organiser)
    listing = client.get("/admin/certificates/").content.decode()
    assert training_class.title in listing and "发放证书" in listing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/certificates/classes/{training_class.pk}/issue/"
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and "本次发证 2 份" in page
    assert 'http-equiv="refresh"' not in page  # finished: no more reloading
    assert Certificate.objects.count() == 2
    assert "已全部发放" in client.get("/admin/certificates/").content.decode()


def test_an_admin_of_another_subtree_reaches_nothing(
    client_for, tree, training_class, certificates
):
    outsider = client_for(factories.org_admin(organisation=tree["sub2"], username="o"))
    listing = outsider.get("/admin/certificates/").content.decode()
    assert certificates[0].number not in listing and training_class.title not in listing
    assert outsider.post(
        f"/admin/certificates/classes/{training_class.pk}/issue/"
    ).status_code in (302, 403)
    assert outsider.post(
        f"/admin/certificates/{certificates[0].pk}/revoke/", {"reason": "x"}
    ).status_code in (302, 403)
    assert outsider.get("/admin/certificates/issuers/S1/").status_code in (302, 403)
    certificates[0].refresh_from_db()
    assert certificates[0].revoked_at is None


def test_a_member_has_no_certificate_admin(client_for, member, certificates):
    assert client_for(member.user).get("/admin/certificates/").status_code in (302, 403)


def test_revoking_in_the_admin_needs_a_reason(client_for, organiser, certificates):
    client = client_for(organiser)
    url = f"/admin/certificates/{certificates[0].pk}/revoke/"
    assert "撤销原因" in client.get(url).content.decode()
    assert client.post(url, {"reason": ""}).status_code == 200
    certificates[0].refresh_from_db()
    assert certificates[0].revoked_at is None
    assert client.post(url, {"reason": "材料不实"}).status_code == 302
    certificates[0].refresh_from_db()
    assert certificates[0].revoked_reason == "材料不实"


def test_the_issuer_settings_are_saved(client_for, organiser, tree):
    from certificates.models import IssuerProfile

    client = client_for(organiser)
    response = client.post(
        "/admin/certificates/issuers/S1/", {"issuer_name": "中共某街道工委党校"}
    )
    assert response.status_code == 302
    assert IssuerProfile.objects.get(organisation=tree["sub1"]).issuer_name == (
        "中共某街道工委党校"
    )


def test_the_archive_lists_only_the_members_own_certificates(
    client_for, member, certificates
):
    mine, theirs = certificates
    html = client_for(member.user).get("/me/archive/").content.decode()
    assert "结业证书" in html
    assert mine.number in html and f"/api/v3/certificates/mine/{mine.pk}/file" in html
    assert f"/verify/{mine.code}" in html
    assert theirs.number not in html and theirs.code not in html
