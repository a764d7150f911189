"""宣讲比赛's rules: entering, judging by the rubric, the trimmed mean, the
tie-break, advancing, the audience vote, releasing, certificates and the
invitation to the pool. Every refusal leaves what was stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.models import Lecturer
from competitions import selectors, services
from competitions.errors import (
    AlreadyEntered,
    AlreadyVoted,
    EntryNotAssigned,
    InvalidEntry,
    InvalidScore,
    InvitationAnswered,
    NotAJudge,
    NotAnEntrant,
    NotAnOrganiser,
    ResultsNotReleased,
    RoundClosed,
    RoundState,
)
from competitions.models import (
    Award,
    Entry,
    JudgeAssignment,
    RoundEntry,
    Score,
    Vote,
)
from notices.models import Notice
from tests import factories
from tests.competitions.conftest import marks_for

pytestmark = pytest.mark.django_db


def enter(user, competition, ready_video, title="初心如磐", **extra):
    return services.entry_submit(
        user=user,
        competition_id=competition.pk,
        title=title,
        video_id=ready_video(user).pk,
        script_text=extra.pop("script_text", "讲稿正文"),
        **extra,
    )


def test_members_and_lecturers_enter_once_others_are_refused(
    member, lecturer_user, competition, preliminary, ready_video, editor
):
    entry = enter(member.user, competition, ready_video)
    assert entry.organisation_id == member.organisation_id
    assert RoundEntry.objects.filter(round=preliminary, entry=entry).exists()
    factories.lecturer(name="王讲师", user=lecturer_user)
    by_lecturer = enter(lecturer_user, competition, ready_video, title="讲好故事")
    assert by_lecturer.entrant_name == "王讲师" and by_lecturer.organisation is None
    with pytest.raises(AlreadyEntered):
        enter(member.user, competition, ready_video, title="再来一次")
    with pytest.raises(NotAnEntrant):
        enter(editor, competition, ready_video)
    assert list(Entry.objects.filter(entrant=member.user)) == [entry]
    assert Notice.objects.filter(
        recipient=member.user, topic=f"competitions.entry:{entry.pk}"
    ).exists()


@pytest.mark.parametrize(
    "change, code",
    [
        ({"title": "  "}, "title_required"),
        ({"script_text": ""}, "script_required"),
        ({"script_text": "字" * 20001}, "script_too_long"),
        (
            {
                "script_pdf": SimpleUploadedFile(
                    "a.pdf", b"not a pdf", "application/pdf"
                )
            },
            "script_not_pdf",
        ),
    ],
)
def test_bad_entries_are_refused_naming_the_field(
    member, competition, ready_video, change, code
):
    with pytest.raises(InvalidEntry) as refused:
        enter(member.user, competition, ready_video, **change)
    assert refused.value.code == code
    assert not Entry.objects.exists()


def test_a_video_of_someone_else_or_failed_is_refused(member, competition, tree):
    other = factories.member(organisation=tree["branch2"]).user
    theirs = factories.video_asset(uploaded_by=other, status="ready")
    failed = factories.video_asset(
        uploaded_by=member.user, status="failed", error="数据无效 (invalid data found)"
    )
    for video, code in ((theirs, "video_not_found"), (failed, "video_failed")):
        with pytest.raises(InvalidEntry) as refused:
            services.entry_submit(
                user=member.user,
                competition_id=competition.pk,
                title="题目",
                video_id=video.pk,
                script_text="讲稿",
            )
        assert refused.value.code == code
    assert "数据无效" in refused.value.detail


def test_a_pdf_script_is_kept(member, competition, ready_video):
    pdf = SimpleUploadedFile("稿.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    entry = enter(member.user, competition, ready_video, script_text="", script_pdf=pdf)
    assert entry.script_file.read().startswith(b"%PDF-")


def test_entries_close_with_the_first_round(member, competition, preliminary, clock):
    clock((preliminary.closes_at - clock.now()).total_seconds() + 1)
    with pytest.raises(RoundClosed):
        services.entry_submit(
            user=member.user,
            competition_id=competition.pk,
            title="迟到",
            video_id=factories.video_asset(uploaded_by=member.user).pk,
            script_text="稿",
        )


def test_a_judge_sees_only_assigned_entries_and_scores_by_the_rubric(
    member, tree, competition, preliminary, judges, ready_video
):
    own_org_judge, judge = judges[0], judges[1]
    entry = enter(member.user, competition, ready_video)  # member: branch 1
    assert entry not in selectors.judge_entries(user=own_org_judge, round=preliminary)
    with pytest.raises(EntryNotAssigned):
        services.score_submit(
            user=own_org_judge,
            round=preliminary,
            entry_id=entry.pk,
            marks=marks_for(preliminary, (9, 9, 9, 9)),
        )
    assert list(selectors.judge_entries(user=judge, round=preliminary)) == [entry]
    score = services.score_submit(
        user=judge,
        round=preliminary,
        entry_id=entry.pk,
        marks=marks_for(preliminary, (8, 7, 6, 10)),
    )
    # 40×0.8 + 30×0.7 + 20×0.6 + 10×1.0
    total = selectors.weighted_total(
        criteria=selectors.criteria_of(round=preliminary), marks=score.marks
    )
    assert total == Decimal(75)
    outsider = factories.member(organisation=tree["branch2"]).user
    with pytest.raises(NotAJudge):
        selectors.judge_entries(user=outsider, round=preliminary)


@pytest.mark.parametrize(
    "values, code",
    [
        ((11, 5, 5, 5), "score_out_of_range"),
        ((-1, 5, 5, 5), "score_out_of_range"),
        ((5, 5, 5), "criterion_missing"),
    ],
)
def test_marks_outside_the_rubric_are_refused_and_the_old_marks_stay(
    member, competition, preliminary, judges, ready_video, values, code
):
    entry = enter(member.user, competition, ready_video)
    judge = judges[1]
    good = marks_for(preliminary, (5, 5, 5, 5))
    services.score_submit(user=judge, round=preliminary, entry_id=entry.pk, marks=good)
    criteria = list(preliminary.criteria.order_by("sort_order"))
    bad = {str(c.pk): v for c, v in zip(criteria, values, strict=False)}
    with pytest.raises(InvalidScore) as refused:
        services.score_submit(
            user=judge, round=preliminary, entry_id=entry.pk, marks=bad
        )
    assert refused.value.code == code
    assert Score.objects.get(judge=judge, entry=entry).marks == good


def test_an_unknown_criterion_is_refused(
    member, competition, final, preliminary, judges, ready_video
):
    entry = enter(member.user, competition, ready_video)
    marks = marks_for(preliminary, (5, 5, 5, 5))
    marks[str(final.criteria.first().pk)] = 3
    with pytest.raises(InvalidScore) as refused:
        services.score_submit(
            user=judges[1], round=preliminary, entry_id=entry.pk, marks=marks
        )
    assert refused.value.code == "criterion_unknown"


def test_a_declared_conflict_excludes_the_judge(
    member, competition, preliminary, judges, ready_video
):
    entry = enter(member.user, competition, ready_video)
    judge = judges[2]
    services.score_submit(
        user=judge,
        round=preliminary,
        entry_id=entry.pk,
        marks=marks_for(preliminary, (5, 5, 5, 5)),
    )
    services.conflict_declare(
        user=judge, round=preliminary, entry_id=entry.pk, reason="同事"
    )
    assert not Score.objects.filter(judge=judge).exists()
    assert entry not in selectors.judge_entries(user=judge, round=preliminary)
    with pytest.raises(EntryNotAssigned):
        services.score_submit(
            user=judge,
            round=preliminary,
            entry_id=entry.pk,
            marks=marks_for(preliminary, (5, 5, 5, 5)),
        )


def test_scores_after_the_round_closes_are_refused(
    member, competition, preliminary, judges, ready_video, organiser
):
    entry = enter(member.user, competition, ready_video)
    services.round_close(user=organiser, round=preliminary)
    preliminary.refresh_from_db()
    with pytest.raises(RoundClosed):
        services.score_submit(
            user=judges[1],
            round=preliminary,
            entry_id=entry.pk,
            marks=marks_for(preliminary, (5, 5, 5, 5)),
        )
    with pytest.raises(RoundState):
        services.round_close(user=organiser, round=preliminary)


def test_five_judges_drop_the_highest_and_lowest_and_ties_follow_the_rule(
    tree, competition, preliminary, judges, ready_video
):
    """Three entrants of branch 1 scored by the four judges of branch 2 plus one
    extra judge: A's and B's means tie, B is higher on 内容 (the most-weighted)
    and wins; C ties A exactly on everything and A (earlier) stays ahead."""
    extra = factories.member(organisation=tree["branch2"], username="j6").user
    JudgeAssignment.objects.create(round=preliminary, judge=extra)
    panel = judges[1:] + [extra]  # five judges who see branch 1's entries
    people = [factories.member(organisation=tree["branch1"]).user for _ in range(3)]
    a, b, c = (
        enter(user, competition, ready_video, title=t)
        for user, t in zip(people, "ABC", strict=True)
    )
    sheets = {
        # the highest (10s) and lowest (0s) are dropped: 3 judges left
        a: [(10,) * 4, (0,) * 4, (5, 10, 5, 5), (5, 10, 5, 5), (5, 10, 5, 5)],
        b: [(10,) * 4, (0,) * 4, (8, 5, 5, 5), (8, 5, 5, 5), (8, 5, 5, 5)],
        c: [(10,) * 4, (0,) * 4, (5, 10, 5, 5), (5, 10, 5, 5), (5, 10, 5, 5)],
    }
    for entry, rows in sheets.items():
        for judge, values in zip(panel, rows, strict=True):
            services.score_submit(
                user=judge,
                round=preliminary,
                entry_id=entry.pk,
                marks=marks_for(preliminary, values),
            )
    ranking = selectors.round_ranking(round=preliminary)
    by_title = {s.entry.title: s for s in ranking}
    assert by_title["A"].judge_score == Decimal(65)
    assert by_title["B"].judge_score == Decimal(62)
    assert by_title["A"].judges == 5
    assert [s.entry.title for s in ranking] == ["A", "C", "B"]  # A before C: earlier


def test_a_tie_is_broken_by_the_most_weighted_criterion(
    tree, competition, preliminary, judges, ready_video
):
    judge = judges[1]
    first, second = (
        enter(
            factories.member(organisation=tree["branch1"]).user,
            competition,
            ready_video,
            title=t,
        )
        for t in ("先交", "后交")
    )
    # both 60: 先交 40×0.5+30×1+20×0.5+10×0 = 60; 后交 40×1+30×0+20×1+10×0 = 60
    services.score_submit(
        user=judge, round=preliminary, entry_id=first.pk,
        marks=marks_for(preliminary, (5, 10, 5, 0)),
    )  # fmt: skip
    services.score_submit(
        user=judge, round=preliminary, entry_id=second.pk,
        marks=marks_for(preliminary, (10, 0, 10, 0)),
    )  # fmt: skip
    ranking = selectors.round_ranking(round=preliminary)
    assert [s.total for s in ranking] == [Decimal(60), Decimal(60)]
    assert [s.entry.title for s in ranking] == ["后交", "先交"]


def _scored_final(
    tree, competition, preliminary, final, judges, ready_video, organiser
):
    people = [factories.member(organisation=tree["branch1"]).user for _ in range(3)]
    entries = [
        enter(user, competition, ready_video, title=f"作品{n}")
        for n, user in enumerate(people)
    ]
    for entry, value in zip(entries, (9, 7, 5), strict=True):
        services.score_submit(
            user=judges[1], round=preliminary, entry_id=entry.pk,
            marks=marks_for(preliminary, (value,) * 4),
        )  # fmt: skip
    services.round_close(user=organiser, round=preliminary)
    return entries


def test_closing_the_preliminary_sends_the_top_n_to_the_final(
    tree, competition, preliminary, final, judges, ready_video, organiser
):
    entries = _scored_final(
        tree, competition, preliminary, final, judges, ready_video, organiser
    )
    order = selectors.stage_order(round=final)
    assert [(r.entry, r.stage_order) for r in order] == [
        (entries[0], 1),
        (entries[1], 2),
    ]
    # the final's judges are told
    assert Notice.objects.filter(
        recipient=judges[1], topic=f"competitions.judge:{final.pk}"
    ).exists()


def test_the_final_combines_judges_and_votes_and_is_hidden_until_released(
    tree, member, competition, preliminary, final, judges, ready_video, organiser
):
    first, second, _ = _scored_final(
        tree, competition, preliminary, final, judges, ready_video, organiser
    )
    for judge in judges[1:]:
        for entry, value in ((first, 8), (second, 6)):
            services.score_submit(
                user=judge, round=final, entry_id=entry.pk,
                marks=marks_for(final, (value,) * 4),
            )  # fmt: skip
    voters = [factories.member(organisation=tree["branch2"]).user for _ in range(4)]
    for voter in voters[:1]:
        services.vote_cast(user=voter, round=final, entry_id=first.pk)
    for voter in voters[1:]:
        services.vote_cast(user=voter, round=final, entry_id=second.pk)
    with pytest.raises(AlreadyVoted):
        services.vote_cast(user=voters[0], round=final, entry_id=second.pk)
    assert Vote.objects.get(voter=voters[0]).entry == first
    with pytest.raises(NotAnEntrant):
        services.vote_cast(user=organiser, round=final, entry_id=first.pk)
    # judges: first 80, second 60; audience: first 100×1/3, second 100
    # totals: 0.8×80 + 0.2×33.33 = 70.67; 0.8×60 + 0.2×100 = 68
    ranking = selectors.round_ranking(round=final)
    assert [s.entry for s in ranking] == [first, second]
    assert round(float(ranking[0].total), 2) == 70.67
    assert ranking[1].total == Decimal(68)
    with pytest.raises(ResultsNotReleased):
        selectors.round_results_get(user=first.entrant, round=final)
    assert "rank" not in selectors.entry_round_scores(entry=first)[-1]
    with pytest.raises(RoundState):
        services.round_release(user=organiser, round=final)
    with pytest.raises(NotAnOrganiser):
        services.round_close(user=first.entrant, round=final)
    services.round_close(user=organiser, round=final)
    final.refresh_from_db()
    with pytest.raises(RoundClosed):
        services.vote_cast(user=member.user, round=final, entry_id=first.pk)
    services.round_release(user=organiser, round=final)
    services.round_release(user=organiser, round=final)  # twice: nothing more
    awards = list(Award.objects.order_by("rank"))
    assert [(a.entry, a.rank) for a in awards] == [(first, 1), (second, 2)]
    assert awards[0].certificate.read().startswith(b"%PDF-")
    assert selectors.entry_round_scores(entry=first)[-1]["rank"] == 1
    assert [
        s.rank for s in selectors.round_results_get(user=first.entrant, round=final)
    ]


def test_a_winner_accepts_the_invitation_and_becomes_a_lecturer(
    tree, competition, preliminary, final, judges, ready_video, organiser
):
    first, second, _ = _scored_final(
        tree, competition, preliminary, final, judges, ready_video, organiser
    )
    services.round_close(user=organiser, round=final)
    final.refresh_from_db()
    services.round_release(user=organiser, round=final)
    award = Award.objects.get(entry=first)
    services.invitation_respond(user=first.entrant, award=award, accept=True)
    lecturer = Lecturer.objects.get(user=first.entrant)
    assert lecturer.name == first.entrant_name
    assert first.entrant.groups.filter(name="讲师").exists()
    award.refresh_from_db()
    assert award.lecturer == lecturer and award.invitation == "accepted"
    with pytest.raises(InvitationAnswered):
        services.invitation_respond(user=first.entrant, award=award, accept=False)
    declined = Award.objects.get(entry=second)
    services.invitation_respond(user=second.entrant, award=declined, accept=False)
    assert not Lecturer.objects.filter(user=second.entrant).exists()
