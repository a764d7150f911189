"""宣讲比赛: entering, judging, voting, closing a round, releasing the results,
the winners' certificates and the invitation to the lecturer pool.

Scores and votes are kept as given; standings are computed from them
(``competitions.selectors``). A refusal never removes what is stored: a
refused score leaves the judge's previous marks, a second vote leaves the
first, a failed video leaves the entry (its entrant replaces the video).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from decimal import ROUND_HALF_UP
from typing import Any

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cms.models import Lecturer
from competitions.errors import (
    AlreadyEntered,
    AlreadyVoted,
    CompetitionNotFound,
    EntryNotFound,
    InvalidEntry,
    InvalidScore,
    InvitationAnswered,
    NotAnEntrant,
    RoundClosed,
    RoundState,
)
from competitions.models import (
    SCRIPT_PDF_MAX,
    SCRIPT_TEXT_MAX,
    Award,
    Competition,
    Criterion,
    Entry,
    JudgeConflict,
    Round,
    RoundEntry,
    Score,
    Vote,
)
from competitions.selectors import (
    CENT,
    criteria_of,
    judge_entry_get,
    organiser_check,
    round_is_open,
    round_ranking,
)
from dangke.links import portal_url, qr_png
from dangke.pdf import pdf_render
from learning.selectors import member_for_user
from learning.selectors.scoping import UserLike
from media_pipeline.models import VideoAsset
from notices.services import notice_send

LECTURER_GROUP = "讲师"  # the pool's accounts upload and draft lessons
REMIND_BEFORE = timedelta(days=1)  # reminders come a day before a round closes


# --- entering --------------------------------------------------------------------


def _first_round(competition: Competition) -> Round | None:
    return competition.rounds.order_by("sequence", "pk").first()


def _video_of(*, user: UserLike, video_id: int | None) -> VideoAsset:
    if video_id is None:
        raise InvalidEntry("请上传宣讲视频", code="video_required")
    video = VideoAsset.objects.filter(pk=video_id, uploaded_by_id=user.pk).first()
    if video is None:
        raise InvalidEntry(
            f"视频 {video_id} 不存在，或不是您上传的", code="video_not_found"
        )
    if video.status == VideoAsset.Status.FAILED:
        raise InvalidEntry(
            f"视频处理失败：{video.error or '无法转码'}；请换一个视频文件",
            code="video_failed",
        )
    return video


def _script_check(*, script_text: str, script_pdf: UploadedFile | None) -> str:
    script_text = (script_text or "").strip()
    if len(script_text) > SCRIPT_TEXT_MAX:
        raise InvalidEntry(
            f"讲稿过长：{len(script_text)} 字，最多 {SCRIPT_TEXT_MAX} 字",
            code="script_too_long",
        )
    if script_pdf is not None:
        if script_pdf.size > SCRIPT_PDF_MAX:
            raise InvalidEntry(
                f"讲稿 PDF 过大：最多 {SCRIPT_PDF_MAX // 1024 // 1024} MB",
                code="script_too_large",
            )
        head = script_pdf.read(5)
        script_pdf.seek(0)
        if head != b"%PDF-":
            raise InvalidEntry("讲稿须为 PDF 文件或文本", code="script_not_pdf")
    elif not script_text:
        raise InvalidEntry("请提交讲稿（PDF 或文本）", code="script_required")
    return script_text


def entry_submit(
    *,
    user: UserLike,
    competition_id: int,
    title: str,
    video_id: int | None,
    script_text: str = "",
    script_pdf: UploadedFile | None = None,
    now=None,
) -> Entry:
    """Enter ``user`` (a member or a lecturer) in the competition with a video
    they uploaded through the media pipeline and a script (PDF or text); the
    entry joins the first round. Raises CompetitionNotFound, NotAnEntrant,
    RoundClosed (the first round closed), AlreadyEntered and InvalidEntry (no
    title, a video not theirs or failed, no script, a script not a PDF or too
    long)."""
    now = now or timezone.now()
    competition = Competition.objects.filter(pk=competition_id).first()
    if competition is None:
        raise CompetitionNotFound(f"比赛 {competition_id} 不存在")
    member = member_for_user(user=user)
    lecturer = Lecturer.objects.filter(user_id=user.pk).first()
    if member is None and lecturer is None:
        raise NotAnEntrant("党员和师资库讲师才能报名参赛")
    first = _first_round(competition)
    if first is None or not round_is_open(round=first, now=now):
        raise RoundClosed("报名已截止（初赛已结束）")
    title = (title or "").strip()
    if not title:
        raise InvalidEntry("请填写宣讲题目", code="title_required")
    if len(title) > 200:
        raise InvalidEntry("宣讲题目最多 200 字", code="title_too_long")
    video = _video_of(user=user, video_id=video_id)
    script_text = _script_check(script_text=script_text, script_pdf=script_pdf)
    entry = Entry(
        competition=competition,
        entrant_id=user.pk,
        entrant_name=(member.name if member else lecturer.name)[:100],
        organisation_id=member.organisation_id if member else None,
        title=title,
        video=video,
        script_text=script_text,
    )
    try:
        with transaction.atomic():
            if script_pdf is not None:
                entry.script_file.save("script.pdf", script_pdf, save=False)
            entry.save()
            RoundEntry.objects.create(
                round=first,
                entry=entry,
                stage_order=RoundEntry.objects.filter(round=first).count() + 1,
            )
    except IntegrityError:
        if entry.script_file:
            entry.script_file.delete(save=False)
        raise AlreadyEntered("您已报名本比赛；可以在“我的参赛”里更换视频") from None
    notice_send(
        recipient_ids=[user.pk],
        topic=f"competitions.entry:{entry.pk}",
        title=f"已报名“{competition.title}”",
        body=f"{first.title}截止于 {timezone.localtime(first.closes_at):%Y-%m-%d %H:%M}",
        link=f"/me/competitions/entries/{entry.pk}/",
        remind_at=_remind_at(first, now),
    )
    return entry


def _own_entry_while_open(user: UserLike, entry_id: int, now, what: str) -> Entry:
    """``user``'s entry while its first round is open (``what`` is changed)."""
    entry = Entry.objects.filter(pk=entry_id, entrant_id=user.pk).first()
    if entry is None:
        raise EntryNotFound(f"参赛作品 {entry_id} 不存在")
    first = _first_round(entry.competition)
    if first is None or not round_is_open(round=first, now=now or timezone.now()):
        raise RoundClosed(f"初赛已结束，不能再更换{what}")
    return entry


def entry_video_replace(
    *, user: UserLike, entry_id: int, video_id: int | None, now=None
) -> Entry:
    """Give ``user``'s entry another video (e.g. after the first failed to
    process) while its first round is open. Raises EntryNotFound, RoundClosed
    and InvalidEntry."""
    entry = _own_entry_while_open(user, entry_id, now, "视频")
    entry.video = _video_of(user=user, video_id=video_id)
    entry.save(update_fields=["video"])
    return entry


def entry_script_replace(
    *, user: UserLike, entry_id: int, script_pdf: UploadedFile, now=None
) -> Entry:
    """Give ``user``'s entry a script PDF (replacing the one before) while its
    first round is open. Raises EntryNotFound, RoundClosed and InvalidEntry
    (not a PDF, too large)."""
    entry = _own_entry_while_open(user, entry_id, now, "讲稿")
    _script_check(script_text="", script_pdf=script_pdf)
    old = entry.script_file.name if entry.script_file else ""
    entry.script_file.save("script.pdf", script_pdf, save=True)
    if old:
        entry.script_file.storage.delete(old)
    return entry


def _remind_at(round: Round, now):
    at = round.closes_at - REMIND_BEFORE
    return at if at > now else None


# --- judging ---------------------------------------------------------------------


def _open_check(round: Round, now) -> None:
    if not round_is_open(round=round, now=now):
        raise RoundClosed(f"“{round.title}”已结束，不再接受评分或投票")


def score_submit(
    *, user: UserLike, round: Round, entry_id: int, marks: dict[str, Any], now=None
) -> Score:
    """Keep judge ``user``'s marks (criterion id → points) for an entry assigned
    to them; a second submission while the round is open replaces the first.
    Raises NotAJudge, EntryNotAssigned, RoundClosed and InvalidScore (an
    unknown or missing criterion, a mark that is not a whole number from 0 to
    the criterion's maximum)."""
    now = now or timezone.now()
    entry = judge_entry_get(user=user, round=round, entry_id=entry_id)
    _open_check(round, now)
    criteria = criteria_of(round=round)
    known = {str(c.pk): c for c in criteria}
    unknown = sorted(set(map(str, marks)) - set(known))
    if unknown:
        raise InvalidScore(
            f"评分项 {', '.join(unknown)} 不属于本赛段的评分细则",
            code="criterion_unknown",
        )
    clean: dict[str, int] = {}
    for key, criterion in known.items():
        value = marks.get(key, marks.get(int(key)))
        if value is None:
            raise InvalidScore(f"请给“{criterion.name}”打分", code="criterion_missing")
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidScore(
                f"“{criterion.name}”的分数须为整数", code="score_not_integer"
            )
        if not 0 <= value <= criterion.max_score:
            raise InvalidScore(
                f"“{criterion.name}”的分数 {value} 超出范围 0–{criterion.max_score}",
                code="score_out_of_range",
                criterion=criterion.pk,
            )
        clean[key] = value
    with transaction.atomic():
        score, _ = Score.objects.update_or_create(
            round=round, judge_id=user.pk, entry=entry, defaults={"marks": clean}
        )
    return score


def conflict_declare(
    *, user: UserLike, round: Round, entry_id: int, reason: str = "", now=None
) -> JudgeConflict:
    """Judge ``user`` steps back from an entry: it is no longer given to them,
    and a score they gave it is withdrawn. Raises NotAJudge, EntryNotAssigned
    and RoundClosed."""
    now = now or timezone.now()
    entry = judge_entry_get(user=user, round=round, entry_id=entry_id)
    _open_check(round, now)
    with transaction.atomic():
        conflict, _ = JudgeConflict.objects.get_or_create(
            round=round,
            judge_id=user.pk,
            entry=entry,
            defaults={"reason": (reason or "").strip()[:200]},
        )
        Score.objects.filter(round=round, judge_id=user.pk, entry=entry).delete()
    return conflict


# --- the audience ----------------------------------------------------------------


def vote_cast(*, user: UserLike, round: Round, entry_id: int, now=None) -> Vote:
    """The signed-in member's one vote in the final for one finalist. Raises
    NotAnEntrant (not a member), RoundClosed, EntryNotFound (not a finalist)
    and AlreadyVoted (the first vote stands)."""
    now = now or timezone.now()
    if member_for_user(user=user) is None:
        raise NotAnEntrant("只有党员可以投票", code="not_a_member")
    _open_check(round, now)
    if not RoundEntry.objects.filter(round=round, entry_id=entry_id).exists():
        raise EntryNotFound(f"参赛作品 {entry_id} 不在本场决赛中")
    try:
        with transaction.atomic():
            return Vote.objects.create(round=round, voter_id=user.pk, entry_id=entry_id)
    except IntegrityError:
        raise AlreadyVoted("您已经投过票了，每人每场决赛一票") from None


# --- the organiser ---------------------------------------------------------------


def rubric_set(*, round: Round, rubric: list[tuple[str, int, int]]) -> list:
    """Give ``round`` its rubric: ``(name, weight, max_score)`` in order (the
    admin's inline form does the same for organisers)."""
    return [
        Criterion.objects.create(
            round=round, name=name, weight=weight, max_score=top, sort_order=index
        )
        for index, (name, weight, top) in enumerate(rubric)
    ]


def judges_notify(*, round: Round, now=None) -> int:
    """Tell the round's judges they are assigned, with a reminder a day before
    the round closes. Returns how many were told."""
    now = now or timezone.now()
    judge_ids = list(round.judges.values_list("judge_id", flat=True))
    return notice_send(
        recipient_ids=judge_ids,
        topic=f"competitions.judge:{round.pk}",
        title=f"您是“{round.competition.title} · {round.title}”的评委",
        body=f"请在 {timezone.localtime(round.closes_at):%Y-%m-%d %H:%M} 前完成评分",
        link=f"/me/competitions/rounds/{round.pk}/judge/",
        remind_at=_remind_at(round, now),
        now=now,
    )


def stage_set(*, user: UserLike, round: Round, entry_id: int | None) -> Round:
    """Put a finalist on stage (None: nobody). Raises NotAnOrganiser,
    RoundState (not a final, or over) and EntryNotFound."""
    organiser_check(user=user)
    if round.kind != Round.Kind.FINAL or round.status != Round.Status.OPEN:
        raise RoundState("只有进行中的现场决赛可以切换上场选手")
    if (
        entry_id is not None
        and not RoundEntry.objects.filter(round=round, entry_id=entry_id).exists()
    ):
        raise EntryNotFound(f"参赛作品 {entry_id} 不在本场决赛中")
    round.current_entry_id = entry_id
    round.save(update_fields=["current_entry"])
    return round


def round_close(*, user: UserLike, round: Round, now=None) -> Round:
    """Close the round: no more scores or votes. A preliminary's top
    ``advance_count`` go on to the next round in order of rank (the next
    round's judges are told). Raises NotAnOrganiser and RoundState (closed
    already)."""
    organiser_check(user=user)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.OPEN:
            raise RoundState(f"“{round.title}”已经结束")
        locked.status = Round.Status.CLOSED
        locked.closed_at = now
        locked.current_entry = None
        locked.save(update_fields=["status", "closed_at", "current_entry"])
        following = (
            Round.objects.filter(
                competition_id=locked.competition_id, sequence__gt=locked.sequence
            )
            .order_by("sequence")
            .first()
        )
        if following is not None:
            standings = round_ranking(round=locked)[: locked.advance_count]
            for order, standing in enumerate(standings, start=1):
                RoundEntry.objects.get_or_create(
                    round=following,
                    entry=standing.entry,
                    defaults={"stage_order": order},
                )
    if following is not None:
        judges_notify(round=following, now=now)
    locked.competition = round.competition
    return locked


def round_release(*, user: UserLike, round: Round, now=None) -> Round:
    """Show a closed round's results to entrants and the audience. Releasing
    the final names the winners (``winners_count``): each gets a certificate
    and an invitation to join the lecturer pool. Raises NotAnOrganiser and
    RoundState (still open). Safe to run twice."""
    organiser_check(user=user)
    now = now or timezone.now()
    if round.status != Round.Status.CLOSED:
        raise RoundState("请先结束本赛段，再公布成绩")
    if round.released_at is None:
        round.released_at = now
        round.save(update_fields=["released_at"])
    if round.kind == Round.Kind.FINAL:
        awards_issue(round=round)
    return round


# --- winners ---------------------------------------------------------------------

RANK_NAMES = {1: "一等奖", 2: "二等奖", 3: "三等奖"}


def rank_name(rank: int) -> str:
    return RANK_NAMES.get(rank, "优秀奖")


def award_verify_url(*, award: Award) -> str:
    return portal_url(
        reverse("portal:competition_award", args=[award.pk]), query={"code": award.code}
    )


def award_pdf(*, award: Award) -> bytes:
    """The winner's certificate (PDF through ``dangke.pdf``)."""
    url = award_verify_url(award=award)
    qr = base64.b64encode(qr_png(url, box_size=6)).decode()
    return pdf_render(
        template_name="competitions/award_pdf.html",
        context={
            "award": award,
            "entry": award.entry,
            "competition": award.competition,
            "rank_name": rank_name(award.rank),
            "qr_uri": f"data:image/png;base64,{qr}",
            "issued_on": timezone.localdate(award.created_at),
        },
        title=f"荣誉证书 {award.competition.title}",
        landscape=True,
    )


def awards_issue(*, round: Round) -> list[Award]:
    """The final's winners' awards, certificates and invitations (each once)."""
    competition = round.competition
    issued = []
    for standing in round_ranking(round=round)[: competition.winners_count]:
        award, created = Award.objects.get_or_create(
            entry=standing.entry,
            defaults={
                "competition": competition,
                "rank": standing.rank,
                "score": standing.total.quantize(CENT, rounding=ROUND_HALF_UP),
            },
        )
        if not award.certificate:
            award.certificate.save(
                f"award-{award.pk}.pdf", ContentFile(award_pdf(award=award))
            )
        if created:
            notice_send(
                recipient_ids=[standing.entry.entrant_id],
                topic=f"competitions.award:{award.pk}",
                title=f"恭喜获得“{competition.title}”{rank_name(award.rank)}",
                body="证书已可下载；诚邀您加入师资库，请在作品页答复邀请。",
                link=f"/me/competitions/entries/{standing.entry.pk}/",
            )
        issued.append(award)
    return issued


def invitation_respond(
    *, user: UserLike, award: Award, accept: bool, now=None
) -> Award:
    """The winner accepts (a lecturer profile is created, or their existing one
    kept, linked to their account) or declines the invitation to the pool.
    Raises InvitationAnswered (answered already)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Award.objects.select_for_update().get(pk=award.pk)
        if locked.invitation != Award.Invitation.PENDING:
            raise InvitationAnswered(f"邀请已答复：{locked.get_invitation_display()}")
        if accept:
            lecturer = Lecturer.objects.filter(user_id=user.pk).first()
            if lecturer is None:
                member = member_for_user(user=user)
                lecturer = Lecturer.objects.create(
                    name=locked.entry.entrant_name,
                    user_id=user.pk,
                    organisation=(
                        member.organisation.name
                        if member and member.organisation_id
                        else ""
                    ),
                    specialties="宣讲",
                )
                pool = Group.objects.filter(name=LECTURER_GROUP).first()
                if pool is not None:
                    pool.user_set.add(user.pk)
            locked.lecturer = lecturer
        locked.invitation = (
            Award.Invitation.ACCEPTED if accept else Award.Invitation.DECLINED
        )
        locked.responded_at = now
        locked.save(update_fields=["lecturer", "invitation", "responded_at"])
    return locked
