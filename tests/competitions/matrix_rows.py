"""The competitions rows of the authorisation matrix (see ``tests.matrix``).

The world: a competition with an open preliminary and an open final (the same
rubric), ``other_member`` (branch 2) judging both, the member's entry (branch 1)
in both with a ready video, and an award of that entry with its certificate.
Organisers are the editors (and superusers)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import factories
from tests.matrix import ANON, MEMBER, OTHER, SIGNED_IN, Row, api, but, portal

# Entering: other_lecturer has no lecturer profile in the world, so it is refused
# as neither member nor lecturer (403); lecturer and other_member reach the video check.
ORGANISERS = {"editor": 200, "superuser": 200}
ROWS: list[Row] = [
    api("competitions_list", "GET", "/competitions/", SIGNED_IN),
    api("competitions_detail", "GET", "/competitions/{competition}", SIGNED_IN),
    api("competitions_detail", "GET", "/competitions/999999", but(404, anonymous=401)),
    api("competitions_entries_create", "POST", "/competitions/{competition}/entries",
        but(403, anonymous=401, member=409, other_member=400, lecturer=400),
        body={"title": "我的宣讲", "video_id": "{competition_video}", "script_text": "讲稿"}),
    api("competitions_entries_mine", "GET", "/competitions/entries/mine", SIGNED_IN),
    api("competitions_entries_detail", "GET", "/competitions/entries/{competition_entry}",
        but(404, anonymous=401, member=200, **ORGANISERS)),
    api("competitions_entries_video", "PUT", "/competitions/entries/{competition_entry}/video",
        but(404, anonymous=401, member=200), body={"video_id": "{competition_video}"}),
    Row("api", "competitions_entries_script", "POST",
        "/api/v3/competitions/entries/{competition_entry}/script",
        but(404, anonymous=401, member=200), form={"file": "{competition_pdf}"}),
    api("competitions_judging", "GET", "/competitions/rounds/{competition_round}/judging",
        but(403, anonymous=401, other_member=200)),
    api("competitions_judging", "GET", "/competitions/rounds/999999/judging",
        but(404, anonymous=401)),
    api("competitions_scores_put", "PUT",
        "/competitions/rounds/{competition_round}/entries/{competition_entry}/score",
        but(403, anonymous=401, other_member=200), body={"marks": "{competition_marks}"}),
    api("competitions_scores_put", "PUT",
        "/competitions/rounds/{competition_round}/entries/{competition_entry}/score",
        but(403, anonymous=401, other_member=400), body={"marks": "{competition_bad_marks}"}),
    api("competitions_conflicts_create", "POST",
        "/competitions/rounds/{competition_round}/entries/{competition_entry}/conflict",
        but(403, anonymous=401, other_member=201), body={"reason": "同事"}),
    api("competitions_votes_create", "POST", "/competitions/rounds/{competition_final}/votes",
        but(403, anonymous=401, member=201, other_member=201),
        body={"entry_id": "{competition_entry}"}),
    api("competitions_votes_create", "POST", "/competitions/rounds/{competition_round}/votes",
        but(404, anonymous=401), body={"entry_id": "{competition_entry}"}),
    api("competitions_stage", "GET", "/competitions/rounds/{competition_final}/stage",
        SIGNED_IN),
    api("competitions_stage_set", "PUT", "/competitions/rounds/{competition_final}/stage",
        but(403, anonymous=401, **ORGANISERS), body={"entry_id": "{competition_entry}"}),
    api("competitions_rounds_close", "POST", "/competitions/rounds/{competition_round}/close",
        but(403, anonymous=401, **ORGANISERS)),
    api("competitions_rounds_release", "POST",
        "/competitions/rounds/{competition_round}/release",
        but(403, anonymous=401, editor=409, superuser=409)),
    api("competitions_results", "GET", "/competitions/rounds/{competition_round}/results",
        but(403, anonymous=401, **ORGANISERS)),
    api("competitions_invitation_respond", "POST",
        "/competitions/awards/{competition_award}/invitation",
        but(404, anonymous=401, member=200), body={"accept": True}),
    api("competitions_award_certificate", "GET",
        "/competitions/awards/{competition_award}/certificate",
        but(404, anonymous=401, member=200, **ORGANISERS)),
    # --- the portal ---
    portal("competitions", "GET", "/me/competitions/", but(200, anonymous=302)),
    portal("competition", "GET", "/me/competitions/{competition}/", but(200, anonymous=302)),
    portal("competition", "POST", "/me/competitions/{competition}/",
        but(403, anonymous=302, member=400, other_member=400, lecturer=400),
        form={"title": "我的宣讲", "script_text": "讲稿"}),
    portal("competition_entry", "GET", "/me/competitions/entries/{competition_entry}/",
        but(404, anonymous=302, member=200, **ORGANISERS)),
    portal("competition_entry", "POST", "/me/competitions/entries/{competition_entry}/",
        but(404, anonymous=302, member=200, **ORGANISERS), form={"action": "decline"}),
    portal("competition_judge", "GET", "/me/competitions/rounds/{competition_round}/judge/",
        but(403, anonymous=302, other_member=200)),
    portal("competition_judge", "POST", "/me/competitions/rounds/{competition_round}/judge/",
        but(403, anonymous=302, other_member=200),
        form={"entry": "{competition_entry}", "action": "conflict"}),
    portal("competition_vote", "GET", "/me/competitions/rounds/{competition_final}/vote/",
        but(200, anonymous=302)),
    portal("competition_vote", "POST", "/me/competitions/rounds/{competition_final}/vote/",
        but(403, anonymous=302, member=200, other_member=200),
        form={"entry": "{competition_entry}"}),
    portal("competition_screen", "GET", "/me/competitions/rounds/{competition_final}/screen/",
        but(403, anonymous=302, **ORGANISERS)),
    portal("competition_screen", "POST", "/me/competitions/rounds/{competition_final}/screen/",
        but(403, anonymous=302, editor=302, superuser=302),
        form={"action": "stage", "entry": "{competition_entry}"}),
    portal("competition_award", "GET",
        "/competitions/awards/{competition_award}/?code={competition_award_code}",
        but(200)),
    portal("competition_award", "GET", "/competitions/awards/{competition_award}/?code=x",
        but(404)),
]  # fmt: skip

ADMIN_CLASSES: list[tuple[str, str]] = [
    ("editors", "admin/competitions/"),
    ("editors", "admin/competition_rounds/"),
    ("own rule", "admin/competition-rounds/"),
]

RUBRIC = [("内容", 40, 10), ("表达", 30, 10), ("形式", 20, 10), ("时间", 10, 10)]


def world(context: dict) -> dict:
    """The competitions objects of the matrix's world; the ids the rows name."""
    from competitions.models import (
        Award,
        Competition,
        Entry,
        JudgeAssignment,
        Round,
        RoundEntry,
    )
    from competitions.services import rubric_set

    users = context["users"]
    now = timezone.now()
    competition = Competition.objects.create(
        title="宣讲比赛（矩阵）", organisation=context["district"]
    )
    rounds = []
    for sequence, kind in ((1, Round.Kind.PRELIMINARY), (2, Round.Kind.FINAL)):
        round = Round.objects.create(
            competition=competition,
            kind=kind,
            title=f"第{sequence}轮",
            sequence=sequence,
            closes_at=now + timedelta(days=sequence * 5),
        )
        rubric_set(round=round, rubric=RUBRIC)
        JudgeAssignment.objects.create(round=round, judge=users[OTHER])
        rounds.append(round)
    preliminary, final = rounds
    video = factories.video_asset(
        title="参赛视频", status="ready", uploaded_by=users[MEMBER]
    )
    # a stage name: the member's own name is a secret of the matrix
    entry = Entry.objects.create(
        competition=competition,
        entrant=users[MEMBER],
        entrant_name="参赛者甲",
        organisation=context["branch1"],
        title="初心如磐",
        video=video,
        script_text="讲稿",
    )
    for round in rounds:
        RoundEntry.objects.create(round=round, entry=entry, stage_order=1)
    award = Award.objects.create(
        competition=competition, entry=entry, rank=1, score="90.00"
    )
    award.certificate.save("award.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    criteria = list(preliminary.criteria.order_by("sort_order"))
    assert users[ANON] is None
    return {
        "competition": competition.pk,
        "competition_round": preliminary.pk,
        "competition_final": final.pk,
        "competition_entry": entry.pk,
        "competition_video": video.pk,
        "competition_award": award.pk,
        "competition_award_code": award.code,
        "competition_marks": {str(c.pk): 5 for c in criteria},
        "competition_bad_marks": {str(c.pk): 11 for c in criteria},
        "competition_pdf": lambda: SimpleUploadedFile(
            "讲稿.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"
        ),
    }


def demo_ids(member) -> dict:
    """The demo's ids for the competitions operations' path parameters."""
    from competitions.models import Award, Entry, Round

    final = Round.objects.filter(kind=Round.Kind.FINAL).order_by("pk").first()
    entry = (
        Entry.objects.filter(entrant=member.user).first()
        or Entry.objects.order_by("pk").first()
    )
    award = Award.objects.order_by("pk").first()
    return {
        "competition_id": final.competition_id if final else 0,
        "competition_round_id": final.pk if final else 0,
        "competition_entry_id": entry.pk if entry else 0,
        "competition_award_id": award.pk if award else 0,
    }
