"""知识竞赛·擂台赛: the live stage round, decided by the server alone.

Phones join a team with its join code and get a device token bound to that team.
The host advances the contest one step at a time::

    idle → (per question) ready | staking → open → revealed → … → finished

必答 (required): every team answers once; right earns the question's points.
抢答 (buzzer): the first right answer by the server's clock wins the points.
风险题 (risk): in ``staking`` each team stakes 20, 30 or 40; right wins the stake,
wrong (or no answer after staking) loses it.

Every write takes the contest's row lock first, so the writes of one contest apply
one after another; an answer is stamped with the server's clock *while holding the
lock*, so the order of the stamps is the order the answers were decided in, and
the buzzer winner is always the right answer with the earliest stamp. A partial
unique constraint (one ``won`` answer per question) and one answer per team and
question hold even if that reasoning were wrong. Answers before the host opens
the question, after its time is up, for another question or for another team are
refused by name. Each change of the contest's state (the host's steps, stakes,
answers) bumps ``LiveContest.version`` (see the state endpoint). A phone joining
does not: nothing in the state shows which phones joined, and the host's next
click (checked against the version the host screen showed) must not be refused as
stale because a phone joined in the meantime.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assessment.errors import (
    AlreadyAnswered,
    AnswerWindowClosed,
    ContestFinished,
    ContestNotFound,
    InvalidAnswer,
    InvalidStake,
    JoinCodeInvalid,
    JoinedAnotherTeam,
    NotCurrentQuestion,
    NotHost,
    NotYourTeam,
    QuestionNotOpen,
    QuizMisconfigured,
    StakeMissing,
    StakeRefused,
    StaleState,
    TooFrequent,
)
from assessment.models import (
    RISK_STAKES,
    LiveAnswer,
    LiveContest,
    LiveContestItem,
    LiveDevice,
    LiveItemKind,
    LiveStake,
    LiveTeam,
)
from assessment.scoring import (
    answer_clean,
    answer_is_correct,
    question_content,
    question_key,
)
from assessment.selectors import (
    UserLike,
    device_token_hash,
    item_points,
    user_can_host,
)
from dangke.ratelimit import rate_limit_exceeded

Phase = LiveContest.Phase


def join_code_normalise(code: str) -> str:
    """A join code as typed: full-width letters, spaces, dashes and case do not
    matter."""
    folded = unicodedata.normalize("NFKC", code or "").upper()
    return "".join(ch for ch in folded if ch.isalnum())


def _bump(contest: LiveContest) -> None:
    LiveContest.objects.filter(pk=contest.pk).update(version=F("version") + 1)
    contest.version += 1


def _locked(contest_id: int) -> LiveContest:
    contest = (
        LiveContest.objects.select_for_update(of=("self",))
        .filter(pk=contest_id)
        .select_related("organisation")
        .first()
    )
    if contest is None:
        raise ContestNotFound(f"擂台赛 {contest_id} 不存在")
    return contest


# Join attempts per minute from one address (the API) or one account (the portal).
JOINS_PER_MINUTE = 120


def live_device_join(
    *,
    code: str,
    label: str = "",
    user: UserLike | None = None,
    limit_key: str = "",
    now: datetime | None = None,
) -> tuple[LiveDevice, str]:
    """Join a phone to the team whose join code this is: ``(device, token)``. The
    token (returned once, stored hashed) identifies the phone and binds it to the
    team. The contest's version stays as it is: a join changes nothing the screens
    show, so it neither wakes the pollers nor makes the host's next step stale.

    With a signed-in ``user`` (the host screen's QR code, opened after sign-in)
    the phone is the member's: joining again (the phone lost its storage, or
    another phone) keeps the one device row of that member in the team and gives
    it a new token, so the team never counts the member twice and the old token
    stops working. ``limit_key`` (an address or an account) counts the attempt
    against ``JOINS_PER_MINUTE``.

    Raises TooFrequent (too many attempts this minute), JoinCodeInvalid (no such
    code, or the contest is over) and JoinedAnotherTeam (``user`` plays for
    another team of this contest).
    """
    if limit_key and rate_limit_exceeded(
        bucket="live-join", who=limit_key, limit=JOINS_PER_MINUTE
    ):
        raise TooFrequent("加入尝试过于频繁，请稍后再试")
    now = now or timezone.now()
    team = (
        LiveTeam.objects.select_related("contest")
        .filter(join_code=join_code_normalise(code))
        .exclude(contest__status=LiveContest.Status.FINISHED)
        .first()
    )
    if team is None:
        raise JoinCodeInvalid("加入码无效，或比赛已经结束")
    token = secrets.token_urlsafe(32)
    member = user if user is not None and user.is_authenticated else None
    if member is None:
        device = LiveDevice.objects.create(
            team=team,
            token_hash=device_token_hash(token),
            label=label.strip()[:60],
            joined_at=now,
        )
        return device, token
    with transaction.atomic():
        mine = list(
            LiveDevice.objects.select_for_update()
            .select_related("team")
            .filter(team__contest_id=team.contest_id, user=member)
        )
        other = next((d for d in mine if d.team_id != team.pk), None)
        if other is not None:
            raise JoinedAnotherTeam(
                f"您已加入本场比赛的“{other.team.name}”，不能再加入“{team.name}”"
            )
        if mine:
            device = mine[0]
            device.token_hash = device_token_hash(token)
            device.joined_at = now
            if label.strip():
                device.label = label.strip()[:60]
            device.save(update_fields=["token_hash", "joined_at", "label"])
        else:
            try:
                with transaction.atomic():
                    device = LiveDevice.objects.create(
                        team=team,
                        user=member,
                        token_hash=device_token_hash(token),
                        label=label.strip()[:60],
                        joined_at=now,
                    )
            except IntegrityError:
                # The member's other phone joined this team at the same moment.
                device = LiveDevice.objects.get(team=team, user=member)
                device.token_hash = device_token_hash(token)
                device.joined_at = now
                device.save(update_fields=["token_hash", "joined_at"])
    device.team = team
    return device, token


def live_advance(
    *,
    user: UserLike,
    contest_id: int,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> LiveContest:
    """Move the live contest one step on (the host's button): start it, open the
    question, reveal it (applying the points), then the next question, and after
    the last one finish. ``expected_version`` is the state the host's screen showed;
    a double click then moves only once.

    Raises ContestNotFound, NotHost, StaleState (the state has moved on since
    ``expected_version``), ContestFinished and QuizMisconfigured (no questions).
    """
    with transaction.atomic():
        contest = _locked(contest_id)
        if not user_can_host(user=user, contest=contest):
            raise NotHost("只有本场比赛的主持人可以控制比赛进程")
        if expected_version is not None and expected_version != contest.version:
            raise StaleState("比赛状态已经变化，请刷新后再操作")
        if contest.status == LiveContest.Status.FINISHED:
            raise ContestFinished("比赛已经结束")
        now = now or timezone.now()
        items = list(contest.items.order_by("sort_order", "pk"))
        if not items:
            raise QuizMisconfigured("这场擂台赛还没有题目")
        if contest.phase == Phase.IDLE:
            contest.status = LiveContest.Status.RUNNING
            _item_enter(contest, items[0])
        elif contest.phase in (Phase.READY, Phase.STAKING):
            item = contest.current_item
            contest.phase = Phase.OPEN
            contest.opened_at = now
            contest.closes_at = now + timedelta(seconds=item.answer_seconds)
        elif contest.phase == Phase.OPEN:
            _item_reveal(contest.current_item)
            contest.phase = Phase.REVEALED
        else:  # revealed: the next question, or the end
            ids = [item.pk for item in items]
            index = (
                ids.index(contest.current_item_id)
                if contest.current_item_id in ids
                else -1
            )
            if index + 1 < len(items):
                _item_enter(contest, items[index + 1])
            else:
                contest.status = LiveContest.Status.FINISHED
                contest.phase = Phase.FINISHED
        contest.version += 1
        contest.save()
    return contest


def _item_enter(contest: LiveContest, item: LiveContestItem) -> None:
    contest.current_item = item
    contest.phase = Phase.STAKING if item.kind == LiveItemKind.RISK else Phase.READY
    contest.opened_at = None
    contest.closes_at = None


def _item_reveal(item: LiveContestItem) -> None:
    answers = {answer.team_id: answer for answer in item.answers.all()}
    stakes = dict(item.stakes.values_list("team_id", "stake"))
    totals: dict[int, int] = {}
    for team_id in set(answers) | set(stakes):
        answer = answers.get(team_id)
        points = item_points(item=item, answer=answer, stake=stakes.get(team_id))
        if answer is not None and answer.points != points:
            answer.points = points
            answer.save(update_fields=["points"])
        totals[team_id] = points
    for team_id, points in totals.items():
        if points:
            LiveTeam.objects.filter(pk=team_id).update(score=F("score") + points)


def _current_item(contest: LiveContest, item_id: int) -> LiveContestItem:
    if contest.status == LiveContest.Status.FINISHED:
        raise ContestFinished("比赛已经结束")
    if contest.current_item_id is None or contest.current_item_id != item_id:
        raise NotCurrentQuestion("这不是当前正在进行的题目")
    return (
        LiveContestItem.objects.select_related("question")
        .prefetch_related("question__options")
        .get(pk=item_id)
    )


def live_stake_choose(
    *,
    device: LiveDevice,
    team_id: int,
    item_id: int,
    stake: int,
    now: datetime | None = None,
) -> LiveStake:
    """Choose the team's stake (20, 30 or 40) for the current risk question, while
    the host has it in the staking phase. Choosing the same stake again changes
    nothing.

    Raises NotYourTeam, InvalidStake, ContestFinished, NotCurrentQuestion and
    StakeRefused (not a risk question, not the staking phase, or a different stake
    chosen already).
    """
    if team_id != device.team_id:
        raise NotYourTeam("这台设备只能代表它加入的队伍作答")
    if stake not in RISK_STAKES:
        raise InvalidStake(f"分值只能是 {'、'.join(map(str, RISK_STAKES))}")
    with transaction.atomic():
        contest = _locked(device.team.contest_id)
        item = _current_item(contest, item_id)
        if item.kind != LiveItemKind.RISK:
            raise StakeRefused("只有风险题需要选择分值")
        existing = LiveStake.objects.filter(item=item, team_id=team_id).first()
        if existing is not None:
            if existing.stake != stake:
                raise StakeRefused("本队已经选择了分值，不能更改")
            return existing
        if contest.phase != Phase.STAKING:
            raise StakeRefused("选择分值的时间已过")
        chosen = LiveStake.objects.create(
            item=item, team_id=team_id, stake=stake, chosen_at=now or timezone.now()
        )
        _bump(contest)
    return chosen


def live_answer_submit(
    *,
    device: LiveDevice,
    team_id: int,
    item_id: int,
    options: Sequence[int] | None = None,
    value: bool | None = None,
    text: str | None = None,
    now: datetime | None = None,
) -> LiveAnswer:
    """The team's answer to the current question, once per team, decided on the
    server: it is stamped with the server's clock under the contest's lock, and for
    a 抢答 question the first right answer wins (``won``).

    Raises NotYourTeam (a phone answering for another team), ContestFinished,
    NotCurrentQuestion, QuestionNotOpen (before the host opened it),
    AnswerWindowClosed (its time is up), StakeMissing (a risk question without a
    stake), AlreadyAnswered and InvalidAnswer.
    """
    if team_id != device.team_id:
        raise NotYourTeam("这台设备只能代表它加入的队伍作答")
    with transaction.atomic():
        contest = _locked(device.team.contest_id)
        # Stamped while holding the lock: stamps follow the order of decisions.
        stamp = now or timezone.now()
        item = _current_item(contest, item_id)
        if contest.phase in (Phase.IDLE, Phase.READY, Phase.STAKING):
            raise QuestionNotOpen("主持人还没有宣布开始作答")
        if contest.phase != Phase.OPEN or stamp >= contest.closes_at:
            raise AnswerWindowClosed("本题作答时间已到")
        if LiveAnswer.objects.filter(item=item, team_id=team_id).exists():
            raise AlreadyAnswered("本队已经回答过这道题")
        if (
            item.kind == LiveItemKind.RISK
            and not LiveStake.objects.filter(item=item, team_id=team_id).exists()
        ):
            raise StakeMissing("风险题须先选择分值")
        question = item.question
        answer = answer_clean(
            content=question_content(question), options=options, value=value, text=text
        )
        if answer is None:
            raise InvalidAnswer("请先作答再提交", code="empty_answer")
        correct = answer_is_correct(key=question_key(question), answer=answer)
        won = (
            item.kind == LiveItemKind.BUZZER
            and correct
            and not LiveAnswer.objects.filter(item=item, won=True).exists()
        )
        try:
            with transaction.atomic():
                recorded = LiveAnswer.objects.create(
                    item=item,
                    team_id=team_id,
                    device=device,
                    answer=answer,
                    correct=correct,
                    won=won,
                    answered_at=stamp,
                )
        except IntegrityError:
            # Only reachable if the lock did not serialise (it does on PostgreSQL
            # and SQLite); the constraints keep one answer and one winner.
            raise AlreadyAnswered("本队已经回答过这道题") from None
        _bump(contest)
    return recorded
