"""Reads of 宣讲比赛: who organises, which entries a judge is given, and every
figure computed from the stored marks and votes.

The rules, stated once:

- a judge's weighted total for an entry is ``100 × Σ weight × mark ÷ max ÷ Σ
  weight`` (0–100; with weights summing to 100 it is ``Σ weight × mark ÷ max``);
- an entry's judges' score is the mean of its judges' weighted totals, dropping
  one highest and one lowest when five or more judges scored it;
- in a final the audience score is ``100 × votes ÷ the most votes any finalist
  has`` (0 when nobody voted), and the total is ``(1 − w) × judges' score + w ×
  audience score`` with ``w`` the competition's audience weight; in a
  preliminary the total is the judges' score;
- ties are broken by the higher mean mark on the most-weighted criterion (the
  first such criterion), then by the earlier submission.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, QuerySet

from competitions.errors import (
    AwardNotFound,
    EntryNotAssigned,
    EntryNotFound,
    NotAJudge,
    NotAnOrganiser,
    ResultsNotReleased,
    RoundNotFound,
)
from competitions.models import (
    Award,
    Competition,
    Criterion,
    Entry,
    JudgeAssignment,
    JudgeConflict,
    Round,
    RoundEntry,
    Score,
    Vote,
)
from learning.selectors import member_for_user
from learning.selectors.scoping import UserLike

TRIM_FROM = 5  # judges from which the highest and the lowest are dropped
CENT = Decimal("0.01")


def user_organises(*, user: UserLike) -> bool:
    """Organisers are the accounts that may change competitions (编辑, superusers)."""
    return bool(
        user.is_authenticated and user.has_perm("competitions.change_competition")
    )


def organiser_check(*, user: UserLike) -> None:
    """Raises NotAnOrganiser unless ``user`` organises competitions."""
    if not user_organises(user=user):
        raise NotAnOrganiser("只有比赛的组织者（编辑）可以这样做")


def competitions_visible() -> QuerySet[Competition]:
    return Competition.objects.select_related("organisation").prefetch_related("rounds")


def round_get(*, round_id: int) -> Round:
    """Raises RoundNotFound."""
    found = (
        Round.objects.select_related("competition", "current_entry")
        .filter(pk=round_id)
        .first()
    )
    if found is None:
        raise RoundNotFound(f"赛段 {round_id} 不存在")
    return found


def round_is_open(*, round: Round, now) -> bool:
    return round.status == Round.Status.OPEN and now < round.closes_at


def round_released(*, round: Round) -> bool:
    return round.released_at is not None


def criteria_of(*, round: Round) -> list[Criterion]:
    return list(round.criteria.order_by("sort_order", "pk"))


def entries_of_user(*, user: UserLike) -> QuerySet[Entry]:
    if not user.is_authenticated:
        return Entry.objects.none()
    return Entry.objects.filter(entrant_id=user.pk).select_related(
        "competition", "video"
    )


def entry_of_user_get(*, user: UserLike, entry_id: int) -> Entry:
    """One of ``user``'s entries (an organiser may read any). Raises EntryNotFound."""
    queryset = (
        Entry.objects.select_related("competition", "video")
        if user_organises(user=user)
        else entries_of_user(user=user)
    )
    found = queryset.filter(pk=entry_id).first()
    if found is None:
        raise EntryNotFound(f"参赛作品 {entry_id} 不存在")
    return found


def judge_check(*, user: UserLike, round: Round) -> None:
    """Raises NotAJudge unless ``user`` is one of ``round``'s judges."""
    if not (
        user.is_authenticated
        and JudgeAssignment.objects.filter(round=round, judge_id=user.pk).exists()
    ):
        raise NotAJudge(f"您不是“{round.title}”的评委")


def judge_entries(*, user: UserLike, round: Round) -> QuerySet[Entry]:
    """The entries of ``round`` given to judge ``user``: not of the judge's own
    organisation, none they declared a conflict for. Raises NotAJudge."""
    judge_check(user=user, round=round)
    entries = Entry.objects.filter(round_entries__round=round).exclude(
        pk__in=JudgeConflict.objects.filter(round=round, judge_id=user.pk).values(
            "entry_id"
        )
    )
    member = member_for_user(user=user)
    if member is not None and member.organisation_id:
        entries = entries.exclude(organisation_id=member.organisation_id)
    return entries.select_related("video").order_by("round_entries__stage_order", "pk")


def judge_entry_get(*, user: UserLike, round: Round, entry_id: int) -> Entry:
    """Raises NotAJudge and EntryNotAssigned."""
    found = judge_entries(user=user, round=round).filter(pk=entry_id).first()
    if found is None:
        raise EntryNotAssigned(
            f"参赛作品 {entry_id} 未分配给您评分（不在本赛段、同一党组织或已申请回避）"
        )
    return found


def judge_scores(*, user: UserLike, round: Round) -> dict[int, dict]:
    """The judge's marks in ``round`` by entry id."""
    return dict(
        Score.objects.filter(round=round, judge_id=user.pk).values_list(
            "entry_id", "marks"
        )
    )


def weighted_total(*, criteria: list[Criterion], marks: dict) -> Decimal:
    """A judge's weighted total (0–100) of ``marks`` by ``criteria``."""
    weights = sum(c.weight for c in criteria) or 1
    points = sum(
        Decimal(c.weight) * Decimal(marks.get(str(c.pk), 0)) / Decimal(c.max_score)
        for c in criteria
    )
    return Decimal(100) * points / Decimal(weights)


def judges_score(totals: list[Decimal]) -> Decimal:
    """The mean of ``totals``, without one highest and one lowest from
    ``TRIM_FROM`` totals on (0 when there are none)."""
    kept = sorted(totals)
    if len(kept) >= TRIM_FROM:
        kept = kept[1:-1]
    if not kept:
        return Decimal(0)
    return sum(kept) / Decimal(len(kept))


@dataclass
class Standing:
    entry: Entry
    rank: int
    judges: int  # how many judges scored the entry
    judge_score: Decimal
    votes: int
    audience_score: Decimal
    total: Decimal
    key_mean: Decimal  # mean mark on the most-weighted criterion (the tie-break)

    def as_dict(self) -> dict:
        return {
            "entry_id": self.entry.pk,
            "title": self.entry.title,
            "entrant_name": self.entry.entrant_name,
            "rank": self.rank,
            "judges": self.judges,
            "judge_score": _cents(self.judge_score),
            "votes": self.votes,
            "audience_score": _cents(self.audience_score),
            "total": _cents(self.total),
        }


def _cents(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def round_ranking(*, round: Round) -> list[Standing]:
    """The standings of ``round``'s entries, best first, computed from the stored
    marks and votes by the rules of this module."""
    criteria = criteria_of(round=round)
    key = max(criteria, key=lambda c: (c.weight, -c.sort_order, -c.pk), default=None)
    entries = list(
        Entry.objects.filter(round_entries__round=round).order_by("submitted_at", "pk")
    )
    totals: dict[int, list[Decimal]] = {entry.pk: [] for entry in entries}
    keys: dict[int, list[int]] = {entry.pk: [] for entry in entries}
    for entry_id, marks in Score.objects.filter(round=round).values_list(
        "entry_id", "marks"
    ):
        if entry_id not in totals:
            continue
        totals[entry_id].append(weighted_total(criteria=criteria, marks=marks))
        if key is not None:
            keys[entry_id].append(int(marks.get(str(key.pk), 0)))
    final = round.kind == Round.Kind.FINAL
    votes = (
        dict(
            Vote.objects.filter(round=round)
            .values_list("entry_id")
            .annotate(n=Count("pk"))
            .values_list("entry_id", "n")
        )
        if final
        else {}
    )
    most = max(votes.values(), default=0)
    weight = Decimal(round.competition.audience_weight) if final else Decimal(0)
    standings = []
    for entry in entries:
        judge_score = judges_score(totals[entry.pk])
        count = votes.get(entry.pk, 0)
        audience = Decimal(100) * count / most if most else Decimal(0)
        total = (1 - weight) * judge_score + weight * audience
        key_marks = keys[entry.pk]
        standings.append(
            Standing(
                entry=entry,
                rank=0,
                judges=len(totals[entry.pk]),
                judge_score=judge_score,
                votes=count,
                audience_score=audience,
                total=total,
                key_mean=(
                    Decimal(sum(key_marks)) / len(key_marks)
                    if key_marks
                    else Decimal(0)
                ),
            )
        )
    # entries are in submission order: a stable sort keeps the earlier first
    standings.sort(key=lambda s: (s.total, s.key_mean), reverse=True)
    for index, standing in enumerate(standings, start=1):
        standing.rank = index
    return standings


def round_results_get(*, user: UserLike, round: Round) -> list[Standing]:
    """The ranking for organisers at any time, for everyone else once released.
    Raises ResultsNotReleased."""
    if not user_organises(user=user) and not round_released(round=round):
        raise ResultsNotReleased("成绩尚未公布")
    return round_ranking(round=round)


def stage_order(*, round: Round) -> list[RoundEntry]:
    return list(
        RoundEntry.objects.filter(round=round)
        .select_related("entry")
        .order_by("stage_order", "pk")
    )


def final_round_for_vote(*, round_id: int) -> Round:
    round = round_get(round_id=round_id)
    if round.kind != Round.Kind.FINAL:
        raise RoundNotFound(f"赛段 {round_id} 不是现场决赛，不接受观众投票")
    return round


def vote_of(*, user: UserLike, round: Round) -> Vote | None:
    if not user.is_authenticated:
        return None
    return Vote.objects.filter(round=round, voter_id=user.pk).first()


def award_get(*, user: UserLike, award_id: int) -> Award:
    """The winner's own award (an organiser may read any, the certificate too).
    Raises AwardNotFound."""
    queryset = Award.objects.select_related("entry", "competition")
    if not user_organises(user=user):
        queryset = queryset.filter(entry__entrant_id=user.pk if user.pk else -1)
    found = queryset.filter(pk=award_id).first()
    if found is None:
        raise AwardNotFound(f"获奖记录 {award_id} 不存在")
    return found


def award_verify_get(*, award_id: int, code: str) -> Award | None:
    """The award whose certificate carries ``code`` (its QR), or None."""
    award = (
        Award.objects.select_related("entry", "competition__organisation")
        .filter(pk=award_id)
        .first()
    )
    if award is None or not code or not secrets.compare_digest(code, award.code):
        return None
    return award


def entry_round_scores(*, entry: Entry) -> list[dict]:
    """The entry's standing in each round whose results are released (what an
    entrant sees; nothing before release)."""
    shown = []
    for round_entry in entry.round_entries.select_related(
        "round__competition"
    ).order_by("round__sequence"):
        round = round_entry.round
        if not round_released(round=round):
            shown.append({"round_id": round.pk, "round_title": round.title})
            continue
        standing = next(s for s in round_ranking(round=round) if s.entry.pk == entry.pk)
        shown.append(
            {"round_id": round.pk, "round_title": round.title, **standing.as_dict()}
        )
    return shown


def judge_rounds(*, user: UserLike) -> QuerySet[Round]:
    if not user.is_authenticated:
        return Round.objects.none()
    return Round.objects.filter(judges__judge_id=user.pk).select_related("competition")


def video_asset_visible_to_judges(*, asset, request) -> bool:
    """The media pipeline's viewer rule: an entry's video plays for organisers
    and for the judges the entry is given to (in any of its rounds)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    entries = Entry.objects.filter(video_id=asset.pk)
    if not entries.exists():
        return False
    if user_organises(user=user):
        return True
    for round in judge_rounds(user=user).filter(round_entries__entry__in=entries):
        if judge_entries(user=user, round=round).filter(video_id=asset.pk).exists():
            return True
    return False
