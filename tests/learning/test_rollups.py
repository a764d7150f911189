"""The report roll-ups: kept exact through every change of a member record, the same
report from roll-ups as from the records, and ``learning_reconcile``."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from cms.models import TopicCourse, TopicPage
from learning import selectors, services
from learning.models import (
    Assignment,
    CreditHourRule,
    CreditRecord,
    Member,
    Organisation,
    OrganisationTally,
    TrainingClass,
    TrainingSession,
)
from tests import factories

NOW = timezone.now()
User = get_user_model()
TYPES = ["regular", "regular", "regular", "mobile", "retired", "secretary"]


def _session(organisation, lessons, hours: str) -> TrainingSession:
    klass = TrainingClass.objects.create(title="培训班", organisation=organisation)
    session = TrainingSession.objects.create(
        training_class=klass, title="课次", starts_at=NOW,
        ends_at=NOW + timedelta(hours=2), credit_hours=Decimal(hours),
    )  # fmt: skip
    session.lessons.add(*lessons)
    session.save()
    return session


@pytest.fixture
def world(tree, section, home_page):
    """Members across the tree, learning through every path that changes a
    member's completions or 学时, then moved, retyped and deleted."""
    rng = random.Random(13)
    lessons = [factories.lesson(section, duration=d) for d in (600, 1200, 1800)]
    course = factories.course(section, lessons=lessons[:2], credit_hours=None)
    exam_course = factories.course(
        section, lessons=[lessons[2]], credit_hours=Decimal("2"), exam_required=True
    )
    doomed = factories.course(section, lessons=[lessons[0]], credit_hours=None)
    topic = TopicPage(title="专题", slug="rollup-topic")
    home_page.add_child(instance=topic)
    TopicCourse.objects.create(topic=topic, course=course, required=True)
    TopicCourse.objects.create(topic=topic, course=exam_course, required=True)
    topic.save_revision().publish()
    Assignment.objects.create(
        content=course, organisation=tree["sub1"], member_types=["regular", "mobile"],
        deadline=NOW.date(),
    )  # fmt: skip
    Assignment.objects.create(
        content=course, organisation=tree["branch2"], deadline=NOW.date()
    )
    session = _session(tree["district"], [lessons[0]], "30")
    places = [tree[k] for k in ("district", "community1", "branch1", "branch2")]
    members = [
        factories.member(
            organisation=rng.choice(places),
            member_type=rng.choice(TYPES),
            user=User.objects.create(username=f"w{n}"),  # no password to hash
        )  # fmt: skip
        for n in range(30)
    ]
    for n, member in enumerate(members):
        for lesson in lessons:
            if rng.random() < 0.6:
                services.lesson_mark_completed(
                    member=member, lesson_id=lesson.pk, via="online", now=NOW
                )
        if rng.random() < 0.4:
            services.attendance_record(member=member, session=session, now=NOW)
        if rng.random() < 0.5:
            services.course_exam_pass_record(
                member=member, course_id=exam_course.pk, passed_at=NOW, score=90
            )
        services.credit_record_add(
            member=member, source="session", source_id=10_000 + n, title="往年",
            hours=Decimal(rng.choice(["1.25", "4", "33"])),
            now=NOW - timedelta(days=366),
        )  # fmt: skip
    # Moves and changes of type, one by one and by import.
    for member in members[:6]:
        member.organisation = rng.choice(places)
        member.member_type = rng.choice(TYPES)
        member.save()
    services.members_import(
        rows=[
            {
                "username": m.user.username,
                "name": m.name,
                "organisation_code": "B2",
                "member_type": "secretary",
            }
            for m in members[6:9]
        ]  # fmt: skip
    )
    members[9].delete()
    members[10].user.delete()
    doomed.delete()
    community = Organisation.objects.get(pk=tree["community1"].pk)
    community.parent = tree["sub2"]
    community.save()
    rule = CreditHourRule.load()
    rule.target_regular = Decimal("30")
    rule.save()
    return {"course": course, "exam_course": exam_course, "topic": topic}


def _all_reports(world) -> list[tuple[dict, dict]]:
    year = NOW.year
    pairs = []
    for node in Organisation.objects.all():
        for kwargs in (
            {"course": world["course"]},
            {"course": world["exam_course"]},
            {"topic": world["topic"]},
            {"year": year},
            {"year": year - 1},
        ):
            both = [
                selectors.report_build(
                    organisation=node, laggards_limit=1000, from_records=raw, **kwargs
                ).as_dict()
                for raw in (False, True)
            ]
            pairs.append(tuple(both))
    return pairs


def test_reports_from_rollups_equal_reports_from_records(world, tree, capsys):
    assert services.rollups_differences() == []
    pairs = _all_reports(world)
    for from_rollups, from_records in pairs:
        assert from_rollups == from_records
    # Laggards paged across those without 学时 and those with some.
    for kwargs in ({"course": world["course"]}, {"year": NOW.year}):
        for offset, limit in ((0, 2), (3, 4), (6, 9), (1, 30)):
            pages = [
                selectors.report_build(
                    organisation=tree["district"], laggards_offset=offset,
                    laggards_limit=limit, from_records=raw, **kwargs,
                ).laggards
                for raw in (False, True)
            ]  # fmt: skip
            assert pages[0] == pages[1]
    laggards = selectors.report_build(
        organisation=tree["district"], laggards_limit=1000
    ).laggards
    assert {row["credit_hours"] > 0 for row in laggards} == {True, False}
    district = {
        kind: selectors.report_build(organisation=tree["district"], **kwargs).total
        for kind, kwargs in (("course", {"course": world["course"]}), ("year", {}))
    }
    # The data exercise the figures: some complete, some not, 学时 earned.
    assert 0 < district["course"].completed < district["course"].members
    assert 0 < district["year"].completed < district["year"].members == 28
    assert district["year"].hours_total > 0
    _reconcile_reports_and_fixes_what_bypassed_the_services(world, tree, capsys)


def _reconcile_reports_and_fixes_what_bypassed_the_services(world, tree, capsys):
    # Part of the test above, so that the data are built once.
    call_command("learning_reconcile")
    assert "match" in capsys.readouterr().out
    # Bulk SQL bypasses the models: a member moved and a tally overwritten.
    moved = Member.objects.filter(organisation=tree["branch2"]).first()
    Member.objects.filter(pk=moved.pk).update(organisation=tree["branch1"])
    OrganisationTally.objects.filter(
        organisation=tree["branch2"], subject="members"
    ).update(count=999)
    CreditRecord.objects.filter(member=moved, year=NOW.year - 1).update(hours=7)
    with pytest.raises(SystemExit) as exited:
        call_command("learning_reconcile")
    assert exited.value.code == 1
    out = capsys.readouterr().out
    lines = [line.split("\t") for line in out.splitlines()[1:]]
    assert ["B1", f"members [{moved.member_type}]"] in [row[:2] for row in lines]
    assert any(row[0] == "B2" and row[2] == "999" for row in lines)
    assert [f"member {moved.pk}", f"year:{NOW.year - 1} hours", "7.00"] in [
        [row[0], row[1], row[3]] for row in lines
    ]
    call_command("learning_reconcile", "--fix")
    assert "repaired" in capsys.readouterr().out
    assert services.rollups_differences() == []
    for from_rollups, from_records in _all_reports(world):
        assert from_rollups == from_records


def test_lowering_a_target_recounts_who_reached_it(tree):
    member = factories.member(organisation=tree["branch1"], username="t1")
    services.credit_record_add(
        member=member, source="session", source_id=1, title="培训",
        hours=Decimal("20"), now=NOW,
    )  # fmt: skip
    report = selectors.report_build(organisation=tree["district"])
    assert report.total.completed == 0
    rule = CreditHourRule.load()
    rule.target_regular = Decimal("20")
    rule.save()
    report = selectors.report_build(organisation=tree["district"])
    assert (report.total.completed, report.laggards) == (1, [])
    assert services.rollups_differences() == []
