"""A competition under the district: an open preliminary (内容 40, 表达 30, 形式 20,
时间 10, each 0–10; top 2 advance) and a final (the same rubric), judges and
entrants in two branches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from competitions.models import Competition, Criterion, JudgeAssignment, Round
from competitions.services import rubric_set
from tests import factories

RUBRIC = [("内容", 40, 10), ("表达", 30, 10), ("形式", 20, 10), ("时间", 10, 10)]


def rubric(round: Round) -> list[Criterion]:
    return rubric_set(round=round, rubric=RUBRIC)


@pytest.fixture
def competition(tree):
    now = timezone.now()
    competition = Competition.objects.create(
        title="新时代 我来讲",
        organisation=tree["district"],
        audience_weight="0.20",
        winners_count=2,
    )
    preliminary = Round.objects.create(
        competition=competition,
        kind=Round.Kind.PRELIMINARY,
        title="线上初赛",
        sequence=1,
        closes_at=now + timedelta(days=3),
        advance_count=2,
    )
    final = Round.objects.create(
        competition=competition,
        kind=Round.Kind.FINAL,
        title="现场决赛",
        sequence=2,
        closes_at=now + timedelta(days=10),
    )
    rubric(preliminary)
    rubric(final)
    return competition


@pytest.fixture
def preliminary(competition):
    return competition.rounds.get(sequence=1)


@pytest.fixture
def final(competition):
    return competition.rounds.get(sequence=2)


@pytest.fixture
def judges(tree, preliminary, final):
    """Five judges: j1 a member of branch 1, the others of branch 2."""
    made = []
    for n in range(1, 6):
        branch = tree["branch1"] if n == 1 else tree["branch2"]
        made.append(factories.member(organisation=branch, username=f"j{n}").user)
    for round in (preliminary, final):
        for judge in made:
            JudgeAssignment.objects.create(round=round, judge=judge)
    return made


@pytest.fixture
def ready_video():
    """A video asset in state ready, uploaded by whom the test says."""

    def make(user):
        return factories.video_asset(
            title="宣讲", status="ready", uploaded_by=user, progress=100
        )

    return make


@pytest.fixture
def organiser(editor):
    return editor


def marks_for(round: Round, values: tuple[int, ...]) -> dict[str, int]:
    criteria = list(round.criteria.order_by("sort_order"))
    return {str(c.pk): v for c, v in zip(criteria, values, strict=True)}
