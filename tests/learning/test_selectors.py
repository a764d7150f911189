"""Reports along the organisation tree, the archive, and the tree itself."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from learning import selectors
from learning.models import (
    Assignment,
    CourseCompletion,
    CreditRecord,
    Organisation,
)
from tests import factories


def _credit(member, hours, n=[0]):  # noqa: B006 - a counter for unique source ids
    n[0] += 1
    CreditRecord.objects.create(
        member=member, source="session", source_id=n[0], title="t",
        hours=Decimal(hours), year=timezone.localdate().year, earned_at=timezone.now(),
    )  # fmt: skip


def test_course_report_per_child_with_laggards(tree, course):
    members = [
        factories.member(organisation=tree["branch1"], username=f"a{i}")
        for i in range(3)
    ]
    members += [
        factories.member(organisation=tree["branch2"], username=f"b{i}")
        for i in range(2)
    ]
    for m in members[:2] + members[3:4]:
        CourseCompletion.objects.create(
            member=m, course=course, completed_at=timezone.now()
        )
    _credit(members[0], "4")
    report = selectors.report_build(organisation=tree["district"], course=course)
    assert (report.total.members, report.total.completed) == (5, 3)
    assert report.total.coverage == 60.0
    rows = {row.code: row for row in report.children}
    assert (rows["S1"].members, rows["S1"].completed) == (3, 2)
    assert (rows["S2"].members, rows["S2"].completed) == (2, 1)
    assert rows["S1"].average_hours == pytest.approx(4 / 3, abs=0.01)
    assert sorted(m["name"] for m in report.laggards) == ["a2", "b1"]
    assert report.laggards_count == 2
    page = selectors.report_build(
        organisation=tree["district"],
        course=course,
        laggards_offset=1,
        laggards_limit=1,
    )
    assert len(page.laggards) == 1


def test_course_scope_follows_assignments(tree, course):
    factories.member(organisation=tree["branch1"], username="in1")
    factories.member(
        organisation=tree["branch1"], username="sec", member_type="secretary"
    )
    factories.member(organisation=tree["branch2"], username="out")
    Assignment.objects.create(
        content=course, organisation=tree["sub1"], member_types=["regular"],
        deadline=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip
    report = selectors.report_build(organisation=tree["district"], course=course)
    assert report.total.members == 1


def test_year_report_compares_hours_with_each_types_target(tree):
    regular = factories.member(organisation=tree["branch1"], username="r")
    secretary = factories.member(
        organisation=tree["branch1"], username="s", member_type="secretary"
    )
    _credit(regular, "32")
    _credit(secretary, "40")  # below the secretaries' 56
    report = selectors.report_build(organisation=tree["district"])
    assert (report.total.members, report.total.completed) == (2, 1)
    assert [m["name"] for m in report.laggards] == ["s"]
    assert report.total.average_hours == 36.0


def test_members_of_the_node_itself_get_their_own_row(tree):
    factories.member(organisation=tree["district"], username="top")
    factories.member(organisation=tree["branch1"], username="leaf")
    report = selectors.report_build(organisation=tree["district"])
    assert report.children[0].name.endswith("（本级）")
    assert report.children[0].members == 1


def test_moving_an_organisation_moves_its_subtree(tree):
    community = tree["community1"]
    community.parent = tree["sub2"]
    community.save()
    branch = Organisation.objects.get(pk=tree["branch1"].pk)
    assert branch.path.startswith(tree["sub2"].path)
    assert branch.depth == 4
    with pytest.raises(ValueError):
        sub2 = Organisation.objects.get(pk=tree["sub2"].pk)
        sub2.parent = Organisation.objects.get(pk=tree["branch1"].pk)
        sub2.save()


def test_report_scope_for_org_admins(tree):
    secretary = factories.org_admin(organisation=tree["sub1"], username="sec")
    assert selectors.user_can_report_on(user=secretary, organisation=tree["branch1"])
    assert not selectors.user_can_report_on(
        user=secretary, organisation=tree["district"]
    )
    assert not selectors.user_can_report_on(
        user=secretary, organisation=tree["branch2"]
    )


def test_topic_report(tree, course, home_page):
    from cms.models import TopicCourse, TopicPage
    from learning.models import TopicCompletion

    topic = TopicPage(title="专题", slug="topic-report")
    home_page.add_child(instance=topic)
    TopicCourse.objects.create(topic=topic, course=course)
    topic.save_revision().publish()
    done = factories.member(organisation=tree["branch1"], username="done")
    factories.member(organisation=tree["branch2"], username="todo")
    TopicCompletion.objects.create(
        member=done, topic=topic, completed_at=timezone.now()
    )
    report = selectors.report_build(organisation=tree["district"], topic=topic)
    assert report.subject.startswith("专题")
    assert (report.total.members, report.total.completed) == (2, 1)
    assert [m["name"] for m in report.laggards] == ["todo"]


def test_archive_leaves_out_draft_and_restricted_lessons_of_a_visible_course(
    member, section, tree
):
    """A live course may link lessons that are drafts or behind a restriction: the
    archive does not show their titles."""
    from wagtail.models import PageViewRestriction

    shown = factories.lesson(section, title="公开微党课", duration=60)
    draft = factories.lesson(section, title="未发布草稿", duration=60, live=False)
    restricted = factories.lesson(section, title="受限微党课", duration=60)
    PageViewRestriction.objects.create(
        page=restricted, restriction_type=PageViewRestriction.LOGIN
    )
    course = factories.course(
        section, title="含草稿的课程", lessons=[shown, draft, restricted]
    )
    Assignment.objects.create(
        content=course, organisation=tree["district"], deadline=timezone.localdate()
    )
    [entry] = selectors.member_archive(member=member)["required"]
    assert [lesson["title"] for lesson in entry["lessons"]] == ["公开微党课"]


def test_archive_lists_each_course_lesson_with_progress(member, course, lesson, tree):
    from learning.models import LessonProgress

    Assignment.objects.create(
        content=course, organisation=tree["district"], deadline=timezone.localdate()
    )
    LessonProgress.objects.create(
        member=member, lesson=lesson, duration=600, watched_seconds=150, position=150
    )
    archive = selectors.member_archive(member=member)
    [entry] = archive["required"]
    assert entry["status"] == "in_progress"
    assert entry["lessons"] == [
        {"id": lesson.pk, "title": "党章学习", "compulsory": True,
         "watched_ratio": 0.25, "completed": False, "resume_position": 150.0},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("completed", "lessons", "percent"),
    [
        # Only the 必修 lessons count while some are flagged: the elective one done
        # does not move the bar, one of two compulsory ones done is half.
        (False, [(True, True), (True, False), (False, True)], 50),
        (False, [(True, False), (False, True)], 0),
        # No lesson flagged 必修: every lesson counts.
        (False, [(False, True), (False, False), (False, False)], 33),
        (False, [(False, True), (False, True)], 100),
        # A completed course is full whatever its lessons say (e.g. by an exam).
        (True, [(True, False)], 100),
        (False, [], 0),
    ],
)
def test_course_progress_counts_the_compulsory_lessons_or_all(
    completed, lessons, percent
):
    assert (
        selectors.course_progress_percent(completed=completed, lessons=lessons)
        == percent
    )


def test_archive_courses_carry_their_progress(member, section, tree):
    from cms.models import CourseLesson
    from learning.models import LessonProgress

    compulsory = [factories.lesson(section, duration=60) for _ in range(2)]
    elective = factories.lesson(section, duration=60)
    course = factories.course(section, lessons=[*compulsory, elective])
    CourseLesson.objects.filter(course=course, lesson=elective).update(compulsory=False)
    Assignment.objects.create(
        content=course, organisation=tree["district"], deadline=timezone.localdate()
    )
    for lesson in (compulsory[0], elective):
        LessonProgress.objects.create(
            member=member, lesson=lesson, duration=60, watched_seconds=60,
            position=60, completed_at=timezone.now(),
        )  # fmt: skip
    [entry] = selectors.member_archive(member=member)["required"]
    assert entry["percent"] == 50


def test_the_drill_down_groups_by_child_with_the_nodes_own_row_first(tree):
    from django.db.models import Count

    from learning.models import Member

    district = tree["district"]
    factories.member(organisation=district, username="top")
    for username in ("a", "b"):
        factories.member(organisation=tree["branch1"], username=username)
    factories.member(organisation=tree["community2"], username="c")
    counts = selectors.figures_by_child(
        Member.objects.filter(selectors.organisation_subtree_q(path=district.path)),
        organisation=district,
        n=Count("pk"),
    )
    rows = selectors.organisation_drill_rows(organisation=district, own_members=True)
    assert [(row.organisation_id, counts.get(row.path)) for row in rows] == [
        (None, 1),
        (tree["sub1"].pk, 2),
        (tree["sub2"].pk, 1),
    ]
    assert rows[0].name == "越秀区（本级）"
    below = selectors.organisation_drill_rows(
        organisation=tree["sub1"], own_members=False
    )
    assert [row.code for row in below] == ["C1"]
