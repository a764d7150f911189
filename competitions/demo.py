"""宣讲比赛: the demo (idempotent). One competition, “新时代 我来讲”, whose online
preliminary is finished (eight entrants, the ``member`` login among them, scored
by five judges, closed and released: the top five went on) and whose final on
stage is ready to run (the same five judges, the running order, no one on stage
yet): open its hall screen as ``editor``, the judge page as ``dangyuan090``, the
vote page as any member.
"""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from competitions import selectors, services
from competitions.models import (
    Competition,
    Entry,
    JudgeAssignment,
    Round,
    RoundEntry,
    Score,
)
from learning.models import Member, Organisation
from media_pipeline.models import VideoAsset

TITLE = "新时代 我来讲 · 宣讲比赛"
RUBRIC = [("内容", 40, 10), ("表达", 30, 10), ("形式", 20, 10), ("时间", 10, 10)]
ENTRANTS = ["member", *(f"dangyuan{n:03d}" for n in (21, 32, 43, 54, 65, 76, 87))]
JUDGES = [f"dangyuan{n:03d}" for n in (90, 91, 92, 93, 94)]
TOPICS = [
    "初心如磐 使命在肩",
    "我身边的共产党员",
    "红色家书里的信仰",
    "社区里的党旗红",
    "小平故里话变迁",
    "一张老照片的故事",
    "青春在基层闪光",
    "从一碗汤看为民情怀",
]


def competitions_demo_load(*, stdout: TextIO | None = None) -> None:
    """Build the competitions demo; a second run adds nothing."""
    out = stdout or sys.stdout
    if Competition.objects.filter(title=TITLE).exists():
        out.write("competitions demo: present\n")
        return
    User = get_user_model()
    organiser = User.objects.filter(username="editor").first()
    root = Organisation.objects.filter(parent__isnull=True).order_by("pk").first()
    members = {
        m.user.username: m
        for m in Member.objects.filter(
            user__username__in=ENTRANTS + JUDGES
        ).select_related("user")
    }
    video = (
        VideoAsset.objects.filter(published_version__isnull=False)
        .order_by("pk")
        .first()
    )
    if organiser is None or root is None or len(members) < len(ENTRANTS + JUDGES):
        out.write("competitions demo: skipped (load the learning demo first)\n")
        return
    with transaction.atomic():
        preliminary, final = _competition(root)
        judges = [members[name].user for name in JUDGES]
        for round in (preliminary, final):
            for order, judge in enumerate(judges):
                JudgeAssignment.objects.create(
                    round=round, judge=judge, sort_order=order
                )
        entries = _entries(preliminary, [members[name] for name in ENTRANTS], video)
        _scores(preliminary, judges, entries)
        services.round_close(user=organiser, round=preliminary)
        preliminary.refresh_from_db()
        services.round_release(user=organiser, round=preliminary)
    finalists = selectors.stage_order(round=final)
    out.write(
        f"competitions demo: “{TITLE}”, {len(entries)} entries, "
        f"{len(finalists)} in the final; hall screen "
        f"/me/competitions/rounds/{final.pk}/screen/\n"
    )


def _competition(root: Organisation) -> tuple[Round, Round]:
    now = timezone.now()
    competition = Competition.objects.create(
        title=TITLE,
        description="线上初赛、集中培训、现场决赛，评选十佳宣讲员。",
        organisation=root,
        audience_weight="0.20",
        winners_count=3,
    )
    preliminary = Round.objects.create(
        competition=competition,
        kind=Round.Kind.PRELIMINARY,
        title="线上初赛",
        sequence=1,
        closes_at=now + timedelta(hours=1),
        advance_count=5,
    )
    final = Round.objects.create(
        competition=competition,
        kind=Round.Kind.FINAL,
        title="现场决赛",
        sequence=2,
        closes_at=now + timedelta(days=30),
        advance_count=3,
    )
    for round in (preliminary, final):
        services.rubric_set(round=round, rubric=RUBRIC)
    return preliminary, final


def _entries(round: Round, members: list[Member], video) -> list[Entry]:
    entries = []
    for order, (member, topic) in enumerate(zip(members, TOPICS, strict=False), 1):
        entry = Entry.objects.create(
            competition=round.competition,
            entrant=member.user,
            entrant_name=member.name,
            organisation_id=member.organisation_id,
            title=topic,
            video=video,
            script_text=f"{topic}\n\n同志们：今天我给大家讲一讲……",
        )
        RoundEntry.objects.create(round=round, entry=entry, stage_order=order)
        entries.append(entry)
    return entries


def _scores(round: Round, judges, entries: list[Entry]) -> None:
    rng = random.Random(24)  # noqa: S311 — demo marks, the same every load
    criteria = selectors.criteria_of(round=round)
    for index, entry in enumerate(entries):
        base = 9 if index == 0 else rng.randint(5, 9)  # the member's entry goes on
        for judge in judges:
            given = selectors.judge_entries(user=judge, round=round)
            if not given.filter(pk=entry.pk).exists():
                continue  # the judge's own organisation
            Score.objects.create(
                round=round,
                judge=judge,
                entry=entry,
                marks={
                    str(c.pk): max(0, min(c.max_score, base + rng.randint(-1, 1)))
                    for c in criteria
                },
            )
