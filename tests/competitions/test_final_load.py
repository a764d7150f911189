"""The measure of issue 24: a final on stage with 5 judges scoring from their
phones and 300 audience phones voting in a 30-second window, over real HTTP
against a live server on PostgreSQL, the phones concurrent. Every vote is
counted once (twenty phones try a second vote and are refused), and the
released result equals a recomputation, written here independently, from the
stored marks and votes.

The 30 seconds are the server's rule, not a stopwatch: the final closes 30 s
after the phones start, and the server refuses anything later; every vote must
have been accepted before it closed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from wagtail.models import APIToken

from competitions.models import Entry, Round, RoundEntry, Score, Vote
from learning.models import Member
from tests import factories
from tests.competitions.conftest import marks_for
from tests.services import postgres_only

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PHONES = 300
SECOND_TRIES = 20
JUDGES = 5
FINALISTS = 5
WINDOW = 30  # seconds the final stays open once the phones start
CONCURRENCY = 32  # phones in flight at once (the server starts a thread for each)


def call(base: str, token: str, method: str, path: str, body=None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 — the live server's http URL
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"null")


def recompute(final: Round) -> list[tuple[int, float]]:
    """(entry id, total) best first, from the stored rows alone, by the rules the
    competition states (docs/competitions.md)."""
    criteria = list(final.criteria.order_by("sort_order", "pk"))
    weights = sum(c.weight for c in criteria)
    key = max(criteria, key=lambda c: c.weight)
    entries = list(
        Entry.objects.filter(round_entries__round=final).order_by("submitted_at", "pk")
    )
    votes = {e.pk: Vote.objects.filter(round=final, entry=e).count() for e in entries}
    most = max(votes.values())
    weight = float(final.competition.audience_weight)
    rows = []
    for entry in entries:
        sheets = [s.marks for s in Score.objects.filter(round=final, entry=entry)]
        totals = sorted(
            100 * sum(c.weight * s[str(c.pk)] / c.max_score for c in criteria) / weights
            for s in sheets
        )
        if len(totals) >= 5:
            totals = totals[1:-1]
        judges = sum(totals) / len(totals)
        audience = 100 * votes[entry.pk] / most if most else 0
        key_mean = sum(s[str(key.pk)] for s in sheets) / len(sheets)
        rows.append((entry.pk, (1 - weight) * judges + weight * audience, key_mean))
    rows.sort(key=lambda row: (round(row[1], 9), row[2]), reverse=True)
    return [(entry_id, round(total, 2)) for entry_id, total, _ in rows]


def test_a_final_with_5_judges_and_300_phones(
    live_server, tree, competition, final, editor
):
    postgres_only("300 phones over HTTP against a live server: the PostgreSQL pass")
    User = get_user_model()
    judges = [
        factories.member(organisation=tree["branch2"], username=f"judge{n}").user
        for n in range(JUDGES)
    ]
    for judge in judges:
        final.judges.model.objects.create(round=final, judge=judge)
    entries = []
    for n in range(FINALISTS):
        entrant = factories.member(organisation=tree["community1"], username=f"e{n}")
        entry = Entry.objects.create(
            competition=competition,
            entrant=entrant.user,
            entrant_name=f"选手{n}",
            organisation=tree["community1"],
            title=f"宣讲{n}",
            script_text="讲稿",
        )
        RoundEntry.objects.create(round=final, entry=entry, stage_order=n + 1)
        entries.append(entry)
    party = Group.objects.get(name="党员")
    User.objects.bulk_create(
        User(username=f"phone{n:03d}", password="!") for n in range(PHONES)
    )
    voters = list(User.objects.filter(username__startswith="phone").order_by("pk"))
    party.user_set.add(*voters)
    Member.objects.bulk_create(
        Member(user=u, name=u.username, organisation=tree["branch2"]) for u in voters
    )
    tokens = {u.pk: APIToken.create_token(user=u, name="phone")[1] for u in voters}
    judge_tokens = [APIToken.create_token(user=j, name="judge")[1] for j in judges]
    boss = APIToken.create_token(user=editor, name="organiser")[1]
    base = live_server.url + "/api/v3/competitions"
    # the audience favours the later entrants; judges mark with a pattern
    choice = {u.pk: entries[(i * 7) % FINALISTS].pk for i, u in enumerate(voters)}
    sheets = [
        (
            judge_tokens[j],
            entry.pk,
            marks_for(final, ((3 + j + i) % 11, (i * 2) % 11, 5 + j % 6, 10 - i)),
        )
        for j in range(JUDGES)
        for i, entry in enumerate(entries)
    ]
    Round.objects.filter(pk=final.pk).update(
        closes_at=timezone.now() + timedelta(seconds=WINDOW)
    )
    connection.close()

    def vote(user_id: int) -> int:
        return call(
            base, tokens[user_id], "POST", f"/rounds/{final.pk}/votes",
            {"entry_id": choice[user_id]},
        )[0]  # fmt: skip

    def score(sheet) -> int:
        token, entry_id, marks = sheet
        return call(
            base, token, "PUT", f"/rounds/{final.pk}/entries/{entry_id}/score",
            {"marks": marks},
        )[0]  # fmt: skip

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        scored = pool.map(score, sheets)
        voted = list(pool.map(vote, [u.pk for u in voters]))
        again = list(pool.map(vote, [u.pk for u in voters[:SECOND_TRIES]]))
        scored = list(scored)
    elapsed = time.monotonic() - started
    print(f"\n{PHONES} votes + {len(sheets)} scores in {elapsed:.1f} s")
    assert voted == [201] * PHONES
    assert scored == [200] * len(sheets)
    assert again == [409] * SECOND_TRIES
    assert Vote.objects.filter(round=final).count() == PHONES
    counted = {e.pk: Vote.objects.filter(entry=e).count() for e in entries}
    expected = {e.pk: sum(1 for c in choice.values() if c == e.pk) for e in entries}
    assert counted == expected

    status, _ = call(base, boss, "POST", f"/rounds/{final.pk}/close")
    assert status == 200
    status, _ = call(base, boss, "POST", f"/rounds/{final.pk}/release")
    assert status == 200
    status, stage = call(base, tokens[voters[0].pk], "GET", f"/rounds/{final.pk}/stage")
    assert status == 200 and stage["released"]
    shown = [(row["entry_id"], row["total"]) for row in stage["results"]]
    assert [row["votes"] for row in stage["results"]] == [
        counted[entry_id] for entry_id, _ in shown
    ]
    final.refresh_from_db()
    assert shown == recompute(final)
