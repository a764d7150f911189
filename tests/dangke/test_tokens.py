"""The one bearer-token path (``dangke.tokens``): a token is read with its account
and member profile and stamped, kept in the shared cache and in the process, used
unchecked only by a caller that checks it, and forgotten when revoked."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import APIToken

from dangke.cache import process_caches_forget_all
from dangke.tokens import (
    BearerIdentity,
    TokenAuth,
    bearer_prefetch,
    token_cache_key,
    token_identify_again,
    token_read,
)
from learning.models import Member
from learning.selectors.scoping import MEMBER_FIELDS
from tests import factories


def _authenticate(token: str, **kwargs):
    request = RequestFactory().get("/api/v3/learning/archive")
    return request, TokenAuth(**kwargs).authenticate(request, token)


def test_a_token_read_from_the_database_is_who_it_says_and_is_stamped(
    member, token_for
):
    """The lookup behind a token not in any cache: the account, its roles and the
    member profile with the model's types (SQLite gives dates as text), stamped as
    used; a revoked token or an inactive account is nobody."""
    token = token_for(member.user)
    member.join_date = date(2001, 7, 1)
    member.save()
    now = timezone.now()
    entry = token_read(APIToken.candidate_key_hashes(token), now=now)
    assert entry["key_hash"] == APIToken.hash_token(token)
    assert entry["user"] == (member.user_id, member.user.username, False, False)
    assert entry["profile"] == {name: getattr(member, name) for name in MEMBER_FIELDS}
    assert APIToken.objects.get(user=member.user).last_used_at == now
    member.user.is_active = False
    member.user.save()
    assert token_read(APIToken.candidate_key_hashes(token), now=now) is None


def test_an_account_without_a_profile_reads_with_none(editor, token_for):
    token = token_for(editor)
    entry = token_read(APIToken.candidate_key_hashes(token), now=timezone.now())
    assert entry["user"][0] == editor.pk
    assert entry["profile"] is None


def test_authentication_answers_with_an_identity_and_a_light_user(member, token_for):
    token = token_for(member.user)
    cache.clear()  # the tombstone its creation wrote
    request, identity = _authenticate(token)
    assert isinstance(identity, BearerIdentity) and identity.checked
    assert identity.user_id == member.user_id
    assert identity.profile["organisation_id"] == member.organisation_id
    assert request.user.pk == member.user_id and request.user.is_authenticated
    # Kept in the shared cache: the next request reads no row.
    with CaptureQueriesContext(connection) as queries:
        _, again = _authenticate(token)
    assert again == identity
    assert queries.captured_queries == []


def test_a_bad_token_is_nobody_and_overrides_a_session(db):
    request = RequestFactory().get("/api/v3/learning/archive")
    request.user = object()  # whatever a session said
    with CaptureQueriesContext(connection) as queries:
        assert TokenAuth().authenticate(request, "not-a-token") is None
    assert isinstance(request.user, AnonymousUser)
    assert queries.captured_queries == []  # the format alone refuses it


def test_only_a_checking_caller_gets_the_process_copy(member, token_for):
    token = token_for(member.user)
    _authenticate(token)  # read and kept
    cache.clear()  # the shared cache forgets (another process's eviction)
    _, unchecked = _authenticate(token, copy_checked_by_caller=True)
    assert unchecked.checked is False and unchecked.stamp_due is False
    with CaptureQueriesContext(connection) as queries:
        _, checked = _authenticate(token)
    assert checked.checked
    assert queries.captured_queries  # everyone else reads the database again


def test_a_revoked_token_is_forgotten_everywhere(member, token_for):
    token = token_for(member.user)
    _, identity = _authenticate(token)
    APIToken.objects.get(user=member.user).revoke()
    assert cache.get(token_cache_key(identity.key_hash)) == 0  # the tombstone
    assert _authenticate(token, copy_checked_by_caller=True)[1] is None
    assert token_identify_again(identity) is None


def test_identifying_again_reads_the_token_as_it_is_now(member, token_for):
    """A caller's check failed (the member moved): the copy is dropped and the
    token read afresh, with the profile as it is now."""
    token = token_for(member.user)
    _, before = _authenticate(token)
    other = factories.organisation(name="第二党支部")
    Member.objects.filter(pk=member.pk).update(organisation=other)
    cache.clear()
    after = token_identify_again(before)
    assert after.checked and after.profile["organisation_id"] == other.pk


def test_the_throttle_reads_the_entry_the_authentication_then_uses(member, token_for):
    """One round trip for the invalid-token count and the token's entry; the
    authentication of the same request uses that entry."""
    token = token_for(member.user)
    cache.clear()  # the tombstone its creation wrote
    _authenticate(token)  # now in the shared cache
    process_caches_forget_all()  # this process does not know it: the throttle must count
    request = RequestFactory().get("/api/v3/learning/archive")
    cache.set("bad-tokens", 3)
    assert bearer_prefetch(request, token=token, count_key="bad-tokens") == 3
    cache.delete(token_cache_key(APIToken.hash_token(token)))
    with CaptureQueriesContext(connection) as queries:
        identity = TokenAuth().authenticate(request, token)
    assert identity.user_id == member.user_id
    assert queries.captured_queries == []
    # Known to this process now: not a guess, and no round trip.
    assert bearer_prefetch(request, token=token, count_key="bad-tokens") == 0
