"""Guessing is limited wherever a secret is taken: the Wagtail admin's sign-in (the
portal's has its own test, tests/themes) and the API's bearer tokens."""

from __future__ import annotations

import pytest


@pytest.fixture
def staff(django_user_model, settings):
    # A fast hasher: each wrong password is checked for real, several per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_superuser(
        "chief", "chief@example.com", "right-password-1"
    )


def admin_sign_in(client, password: str, username: str = "chief"):
    return client.post("/admin/login/", {"username": username, "password": password})


def test_the_admin_sign_in_refuses_after_too_many_wrong_passwords(
    client, staff, settings
):
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 3
    for _ in range(3):
        assert admin_sign_in(client, "wrong").status_code == 200
    refused = admin_sign_in(client, "right-password-1")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_a_right_password_resets_the_account_count(client, staff, settings):
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 3
    for _ in range(2):
        admin_sign_in(client, "wrong")
    assert admin_sign_in(client, "right-password-1").status_code == 302
    client.logout()
    for _ in range(2):
        assert admin_sign_in(client, "wrong").status_code == 200
    assert admin_sign_in(client, "right-password-1").status_code == 302


def test_portal_and_admin_share_the_counters(client, staff, settings):
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 2
    client.post("/login/", {"username": "chief", "password": "wrong"})
    admin_sign_in(client, "wrong")
    assert admin_sign_in(client, "right-password-1").status_code == 429
    portal = client.post("/login/", {"username": "chief", "password": "wrong"})
    assert portal.status_code == 429


def test_invalid_bearer_tokens_are_limited_per_address(
    client, db, settings, member_user, token_for
):
    settings.API_BAD_TOKENS_PER_MINUTE = 3
    url = "/api/v3/learning/archive"
    for n in range(3):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer guess-{n}")
        assert response.status_code == 401
    refused = client.get(url, HTTP_AUTHORIZATION="Bearer guess-4")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    # Another address is not affected, nor is a request without a token.
    valid = token_for(member_user)
    other = client.get(
        url, HTTP_AUTHORIZATION=f"Bearer {valid}", REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code != 429
    assert client.get("/api/v3/pages/").status_code == 200
