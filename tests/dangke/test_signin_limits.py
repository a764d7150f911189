"""Guessing is limited wherever a secret is taken: the portal's and the Wagtail
admin's sign-in (one at a time here and in tests/themes, and 40 at once), the admin's
password reset, and the API's bearer tokens. The platform has no API operation taking
a password: API clients get their bearer tokens from an editor."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.test import Client

from dangke import ratelimit
from tests.helpers import run_in_threads


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


# --- 40 tries at once ---------------------------------------------------------------

SIGN_INS = {"portal": "/login/", "admin": "/admin/login/"}
TRIES = 40


@pytest.fixture(params=["memory", "redis"])
def shared_cache(request, settings):
    """The counters in each cache the platform runs with: Django's in-memory cache
    (one process) and Redis (every worker)."""
    if request.param == "redis":
        settings.CACHES = {
            "default": {
                "BACKEND": "dangke.cache.KeptClientRedisCache",
                "LOCATION": request.getfixturevalue("redis_url"),
                "KEY_PREFIX": f"signin-test-{uuid.uuid4().hex}",
            }
        }
    return request.param


@pytest.fixture
def checked_passwords():
    """The usernames whose wrong password was checked (Django's signal for a
    failed ``authenticate``), from any thread."""
    failed: list[str] = []
    lock = threading.Lock()

    def count(sender, credentials, **kwargs):
        with lock:
            failed.append(credentials.get("username", ""))

    user_login_failed.connect(count, weak=False, dispatch_uid="checked-passwords")
    yield failed
    user_login_failed.disconnect(dispatch_uid="checked-passwords")


def at_once(requests) -> list:
    """Send each of ``requests`` (a callable taking a test client) from its own
    thread, all released together; their answers."""
    answers, errors = run_in_threads(
        [lambda send=send: send(Client()) for send in requests]
    )
    assert not errors, errors[:3]
    return answers


def sign_in(url: str, username: str, password: str):
    return lambda client: client.post(url, {"username": username, "password": password})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("form", sorted(SIGN_INS))
def test_forty_tries_at_once_check_no_more_passwords_than_the_limit(
    form, shared_cache, staff, settings, checked_passwords
):
    """Counted after the check, 40 simultaneous tries all passed the check of the
    count: 39 wrong passwords were checked and a right 40th signed in. Counted
    before, exactly the limit is checked and a right password afterwards is
    refused until the window passes."""
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 5
    url = SIGN_INS[form]
    answers = at_once([sign_in(url, "chief", f"wrong-{n}") for n in range(TRIES)])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [429] * (TRIES - 5)
    assert len(checked_passwords) == 5
    late = Client()
    for other_form in SIGN_INS.values():  # the counters are shared
        refused = late.post(
            other_form, {"username": "chief", "password": "right-password-1"}
        )
        assert refused.status_code == 429
    assert "_auth_user_id" not in late.session
    assert len(checked_passwords) == 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("form", sorted(SIGN_INS))
def test_forty_accounts_tried_at_once_from_one_address_check_the_address_limit(
    form, shared_cache, staff, settings, checked_passwords
):
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 5
    allowed = 5 * ratelimit.SIGNIN_ADDRESS_FACTOR
    answers = at_once(
        [sign_in(SIGN_INS[form], f"user{n}", "guess") for n in range(TRIES)]
    )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * allowed + [429] * (TRIES - allowed)
    assert len(checked_passwords) == allowed
    # Another address still signs in.
    other = Client(REMOTE_ADDR="10.0.0.7")
    assert (
        other.post(
            "/admin/login/", {"username": "chief", "password": "right-password-1"}
        ).status_code
        == 302
    )


def test_a_right_password_is_not_counted_against_the_address(client, staff, settings):
    """A shared screen where many members sign in is not locked by their
    successes; its wrong passwords still count."""
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 1
    for _ in range(2 * ratelimit.SIGNIN_ADDRESS_FACTOR):
        assert admin_sign_in(client, "right-password-1").status_code == 302
        client.logout()
    for n in range(ratelimit.SIGNIN_ADDRESS_FACTOR):
        assert admin_sign_in(client, "wrong", username=f"user{n}").status_code == 200
    assert admin_sign_in(client, "right-password-1").status_code == 429


# --- the admin's password reset --------------------------------------------------------


def reset(email: str):
    return lambda client: client.post("/admin/password_reset/", {"email": email})


@pytest.mark.django_db(transaction=True)
def test_forty_password_resets_at_once_send_a_few_mails(
    shared_cache, staff, django_user_model
):
    """40 requests in 6 s sent 40 mails: now a few per e-mail and per address."""
    per_email = ratelimit.PASSWORD_RESETS_PER_EMAIL
    answers = at_once([reset("chief@example.com") for _ in range(TRIES)])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302] * per_email + [429] * (TRIES - per_email)
    assert len(mail.outbox) == per_email
    assert all(message.to == ["chief@example.com"] for message in mail.outbox)

    mail.outbox.clear()
    for n in range(TRIES):
        django_user_model.objects.create_user(
            f"user{n}", f"user{n}@example.com", "a-password-1"
        )
    other_address = "10.0.0.8"
    answers = at_once(
        [
            lambda client, n=n: client.post(
                "/admin/password_reset/",
                {"email": f"user{n}@example.com"},
                REMOTE_ADDR=other_address,
            )
            for n in range(TRIES)
        ]
    )
    per_address = ratelimit.PASSWORD_RESETS_PER_ADDRESS
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302] * per_address + [429] * (TRIES - per_address)
    assert len(mail.outbox) == per_address


def test_a_refused_password_reset_says_why_and_sends_nothing(client, staff):
    for _ in range(ratelimit.PASSWORD_RESETS_PER_EMAIL):
        assert reset("chief@example.com")(client).status_code == 302
    sent = len(mail.outbox)
    refused = reset("CHIEF@example.com ")(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(ratelimit.PASSWORD_RESET_WINDOW_SECONDS)
    assert "过于频繁" in refused.content.decode()
    assert len(mail.outbox) == sent
    # Another target is still served from this address.
    assert reset("someone@example.com")(client).status_code == 302


# --- a page's password ----------------------------------------------------------------


@pytest.fixture
def password_page(section):
    from django.urls import reverse
    from wagtail.models import PageViewRestriction

    from tests import factories

    lesson = factories.lesson(section, title="密码课")
    restriction = PageViewRestriction.objects.create(
        page=lesson, restriction_type="password", password="page-secret-1"
    )
    url = reverse(
        "wagtailcore_authenticate_with_password", args=[restriction.pk, lesson.pk]
    )
    return lesson, url


def page_password(url: str, password: str, address: str = "127.0.0.1"):
    return lambda client: client.post(
        url, {"password": password, "return_url": "/"}, REMOTE_ADDR=address
    )


def test_a_pages_password_is_limited_per_page_and_address(
    client, password_page, settings
):
    """Wagtail's form for a page's password took any number of guesses."""
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 3
    _, url = password_page
    for n in range(3):
        assert page_password(url, f"guess-{n}")(client).status_code == 200
    refused = page_password(url, "page-secret-1")(client)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "900"
    # Someone else it was given to still gets in, and a right password clears
    # that address's count for the page.
    other = Client()
    for _ in range(2):
        page_password(url, "guess", "10.0.0.5")(other)
    assert page_password(url, "page-secret-1", "10.0.0.5")(other).status_code == 302
    assert page_password(url, "guess", "10.0.0.5")(other).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_forty_page_passwords_at_once_check_no_more_than_the_limit(
    shared_cache, password_page, settings
):
    settings.PORTAL_SIGNIN_FAILURES_ALLOWED = 5
    _, url = password_page
    answers = at_once([page_password(url, f"guess-{n}") for n in range(TRIES)])
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [429] * (TRIES - 5)
    assert page_password(url, "page-secret-1")(Client()).status_code == 429
