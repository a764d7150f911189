"""The public verify page and its API answer: 有效 / 已撤销 with the masked name,
class, dates and issuer and nothing else; a forged code is a plain 404; one address
asking too often gets 429."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_the_page_says_valid_and_shows_only_what_is_stated(certificates):
    certificate = certificates[0]
    response = Client().get(f"/verify/{certificate.code}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "有效" in html and "已撤销" not in html
    for shown in ("张*明", certificate.class_title, "中共越秀区某街道工委党校"):
        assert shown in html
    assert "2026年3月3日" in html and "2026年3月5日" in html
    _assert_nothing_else(html, certificate)


def test_the_api_answer_shows_only_what_is_stated(certificates):
    certificate = certificates[1]
    response = Client().get(f"/api/v3/certificates/verify/{certificate.code}")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "valid": True,
        "status": "有效",
        "name": "欧**华",
        "class_title": certificate.class_title,
        "starts_on": "2026-03-03",
        "ends_on": "2026-03-05",
        "issuer_name": "中共越秀区某街道工委党校",
        "issued_on": body["issued_on"],
        "revoked_on": None,
    }
    _assert_nothing_else(response.content.decode("unicode_escape"), certificate)
    _assert_nothing_else(response.content.decode(), certificate)


def _assert_nothing_else(text: str, certificate) -> None:
    """No full name, no ID number, no member id or account, no number, no 学时 (the
    JSON answer's keys are checked exactly by the caller)."""
    member = certificate.member
    assert member.name not in text  # no full name
    assert certificate.number not in text  # no certificate number
    assert member.user.username not in text
    assert '"member"' not in text and f"member={member.pk}" not in text
    assert not re.search(r"\d{17}[\dXx]", text)  # no ID number (身份证号)
    assert "12.5" not in text  # 学时 are not shown either


def test_a_revoked_certificate_says_revoked_with_the_day_not_the_reason(
    certificates, organiser
):
    from certificates.services import certificate_revoke

    certificate = certificates[0]
    certificate_revoke(
        certificate=certificate, user=organiser, reason="冒名顶替参训", channel="admin"
    )
    html = Client().get(f"/verify/{certificate.code}").content.decode()
    body = Client().get(f"/api/v3/certificates/verify/{certificate.code}").json()

    assert "已撤销" in html and "冒名顶替参训" not in html
    assert "撤销）" in html
    assert (body["valid"], body["status"]) == (False, "已撤销")
    assert body["revoked_on"]
    assert "冒名顶替参训" not in str(body)


def test_a_forged_code_is_a_plain_404(certificates):
    forged = certificates[0].code[:-1] + (
        "A" if certificates[0].code[-1] != "A" else "B"
    )
    response = Client().get(f"/verify/{forged}")
    assert response.status_code == 404
    html = response.content.decode()
    assert "没有这份证书" in html and "张" not in html
    assert_problem(
        Client().get(f"/api/v3/certificates/verify/{forged}"),
        404,
        "certificate_not_found",
    )
    assert Client().get("/verify/short").status_code == 404


def test_one_address_asking_too_often_gets_429(settings, certificates):
    settings.CERTIFICATE_VERIFY_PER_MINUTE = 5
    code = certificates[0].code
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [client.get(f"/verify/{code}").status_code for _ in range(3)]
    statuses += [
        client.get(f"/api/v3/certificates/verify/{code}").status_code for _ in range(2)
    ]
    assert statuses == [200] * 5
    refused = client.get(f"/verify/{code}")
    assert refused.status_code == 429 and "过于频繁" in refused.content.decode()
    assert_problem(
        client.get(f"/api/v3/certificates/verify/{code}"), 429, "verify_rate_limited"
    )
    # Another address has its own budget.
    assert Client(REMOTE_ADDR="203.0.113.10").get(f"/verify/{code}").status_code == 200


def test_the_answer_reads_the_stored_fields_and_the_beijing_day_of_revoking(
    certificates, organiser
):
    from datetime import UTC, date, datetime

    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.selectors import certificate_verify
    from certificates.services import certificate_revoke, mask_name

    certificate = certificates[1]
    certificate_revoke(
        certificate=certificate, user=organiser, reason="信息有误", channel="admin"
    )
    # 17:30 UTC is the next morning in Beijing: the day shown is Beijing's.
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=datetime(2026, 3, 6, 17, 30, tzinfo=UTC)
    )
    certificate.refresh_from_db()

    answer = certificate_verify(code=certificate.code)

    assert (answer.valid, answer.status_label) == (False, "已撤销")
    assert answer.revoked_on == date(2026, 3, 7)
    assert answer.masked_name == mask_name(certificate.member_name)
    assert (answer.class_title, answer.issuer_name) == (
        certificate.class_title,
        certificate.issuer_name,
    )
    assert (answer.starts_on, answer.ends_on) == (
        certificate.starts_on,
        certificate.ends_on,
    )
    assert answer.issued_on == timezone.localdate(certificate.issued_at)
    assert (
        "2026年3月7日 撤销"
        in Client().get(f"/verify/{certificate.code}").content.decode()
    )


def test_the_default_budget_refuses_an_address_long_before_1000_a_minute(
    settings, certificates
):
    from certificates.errors import VerifyRateLimited
    from certificates.services import verify_rate_check

    limit = settings.CERTIFICATE_VERIFY_PER_MINUTE
    assert limit < 1000
    refused = 0
    for _ in range(1000):
        try:
            verify_rate_check(address="198.51.100.7")
        except VerifyRateLimited:
            refused += 1
    # Unless the minute turned over midway, exactly the budget passed.
    assert 1000 - 2 * limit <= refused <= 1000 - limit
    response = Client(REMOTE_ADDR="198.51.100.7").get(f"/verify/{certificates[0].code}")
    assert response.status_code == 429 and response["Retry-After"] == "60"
