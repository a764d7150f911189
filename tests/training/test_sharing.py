"""共建共享: the district shares a course, a sub-district adopts it into its topic
(a link, no lessons copied) and plan line, completions count for both; a course
not shared is 404, adopted twice 409, another's adoption cannot be withdrawn; a
course shared with named organisations reaches another district."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests import factories
from tests.helpers import assert_problem
from tests.training.conftest import Api
from training.models import CourseAdoption, PlanLine, TrainingPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def lessons_section(home_page):
    return factories.section(home_page, title="课程", slug="shared-courses")


@pytest.fixture
def courses(lessons_section):
    lesson = factories.lesson(lessons_section, title="党章第一讲")
    return {
        "shared": factories.course(lessons_section, title="学党章", lessons=[lesson]),
        "private": factories.course(lessons_section, title="区内课程"),
        "draft": factories.course(lessons_section, title="草稿课程", live=False),
    }


@pytest.fixture
def topic(home_page):
    from cms.models import TopicPage

    page = TopicPage(title="街道专题", slug="sub-topic")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def shared(tree, admins, courses):
    from training import services

    services.course_share(
        user=admins["district"], course=courses["shared"],
        organisation=tree["district"], scope="subtree",
    )  # fmt: skip
    return courses["shared"]


def completion(member, course):
    from learning.models import CourseCompletion

    return CourseCompletion.objects.create(
        member=member, course=course, completed_at=timezone.now()
    )


def test_adopt_into_a_topic_and_plan_line_counted_for_both(
    tree, admins, members, shared, topic, courses
):
    from cms.models import TopicCourse

    admins["sub1"].groups.add(Group.objects.get(name="编辑"))
    plan = TrainingPlan.objects.create(
        organisation=tree["sub1"], year=2026, title="计划", status="filed"
    )
    line = PlanLine.objects.create(
        plan=plan, title="党章学习", kind="general", planned_hours=Decimal("2")
    )
    api = Api(admins["sub1"])
    listed = api.get("/shared-courses?organisation=S1").json()["items"]
    assert [item["title"] for item in listed] == ["学党章"]
    assert listed[0]["adoption"] is None
    answer = api.post(
        "/adoptions",
        {"organisation": "S1", "course": shared.pk, "topic": topic.pk,
         "plan_line": line.pk},
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    adoption = answer.json()
    assert adoption["topic"] == topic.pk and adoption["plan_line"] == line.pk
    # The topic shows the course by a link; the lessons stay the course's own.
    assert TopicCourse.objects.filter(topic=topic, course=shared).exists()
    assert shared.course_lessons.count() == 1
    topic.refresh_from_db()
    revision = topic.latest_revision.content["topic_courses"]
    assert [row["course"] for row in revision] == [shared.pk]
    assert (
        api.get("/shared-courses?organisation=S1").json()["items"][0]["adoption"]
        == adoption["id"]
    )

    completion(members["member"], shared)  # a member of S1's branch
    completion(members["outsider"], shared)  # S2's: neither adopter nor counted …
    district_member = factories.member(organisation=tree["district"], username="dm")
    completion(district_member, shared)  # … the owner's own member is
    figures = Api(admins["district"]).get(f"/shared-courses/{shared.pk}/adoptions")
    assert figures.status_code == 200, figures.content
    data = figures.json()
    assert data["adopted_by"] == 1
    assert data["adopters"][0]["organisation"] == "S1"
    assert data["adopters"][0]["completions"] == 1
    # The owner's subtree holds S2's member too: all completions are the owner's.
    assert data["own_completions"] == 3 and data["completions"] == 3

    from training.selectors import course_sharing_statistics

    year = timezone.localdate().year
    sub = course_sharing_statistics(organisation=tree["sub1"], year=year)
    assert [(a.course_id, n) for a, n in sub.adopted] == [(shared.pk, 1)]
    assert sub.shared == []
    top = course_sharing_statistics(organisation=tree["district"], year=year)
    assert top.adoptions_of_shared == 1 and top.shared[0].completions == 3
    assert (
        course_sharing_statistics(organisation=tree["district"], year=year - 1)
        .shared[0]
        .completions
        == 0
    )

    withdrawn = api.post(f"/adoptions/{adoption['id']}/withdraw", {})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    assert not TopicCourse.objects.filter(topic=topic, course=shared).exists()
    topic.refresh_from_db()
    assert topic.latest_revision.content["topic_courses"] == []
    assert_problem(
        api.post(f"/adoptions/{adoption['id']}/withdraw", {}), 409, "adoption_withdrawn"
    )
    # Adopted again after withdrawing: a new record, the old one kept.
    again = api.post("/adoptions", {"organisation": "S1", "course": shared.pk})
    assert again.status_code == 201
    assert CourseAdoption.objects.filter(course=shared).count() == 2


def test_bad_adoptions_are_refused_and_nothing_is_stored(
    tree, admins, shared, courses, topic
):
    api = Api(admins["sub1"])
    assert_problem(
        api.post("/adoptions", {"organisation": "S1", "course": courses["private"].pk}),
        404,
        "course_not_shared",
    )
    # Another organisation's adoption is not the caller's to make.
    assert_problem(
        api.post("/adoptions", {"organisation": "S2", "course": shared.pk}),
        403,
        "not_plan_administrator",
    )
    # A topic the admin may not edit.
    assert_problem(
        api.post(
            "/adoptions",
            {"organisation": "S1", "course": shared.pk, "topic": topic.pk},
        ),
        403,
        "not_topic_editor",
    )
    # The owner adopting its own course.
    assert_problem(
        Api(admins["district"]).post(
            "/adoptions", {"organisation": "D", "course": shared.pk}
        ),
        409,
        "own_course",
    )
    assert not CourseAdoption.objects.exists()
    first = api.post("/adoptions", {"organisation": "S1", "course": shared.pk})
    assert first.status_code == 201
    assert_problem(
        api.post("/adoptions", {"organisation": "S1", "course": shared.pk}),
        409,
        "already_adopted",
    )
    # S2's admin cannot see, let alone withdraw, S1's adoption.
    assert_problem(
        Api(admins["sub2"]).post(f"/adoptions/{first.json()['id']}/withdraw", {}),
        404,
        "adoption_not_found",
    )
    assert CourseAdoption.objects.get().withdrawn_at is None
    # A draft cannot be shared; another organisation's course cannot be claimed.
    assert_problem(
        Api(admins["district"]).put(
            f"/shared-courses/{courses['draft'].pk}",
            {"organisation": "D", "scope": "all"},
        ),
        404,
        "course_not_found",
    )
    assert_problem(
        Api(admins["sub2"]).put(
            f"/shared-courses/{shared.pk}", {"organisation": "S2", "scope": "all"}
        ),
        409,
        "course_owned_elsewhere",
    )
    assert_problem(
        Api(admins["district"]).put(
            f"/shared-courses/{shared.pk}", {"organisation": "D", "scope": "everyone"}
        ),
        400,
        "invalid_scope",
    )
    assert_problem(
        Api(admins["sub2"]).get(f"/shared-courses/{shared.pk}/adoptions"),
        403,
        "not_organiser",
    )


def test_named_sharing_reaches_another_district(tree, admins, courses):
    other = factories.organisation(kind="district", name="海珠区", code="H")
    street = factories.organisation(parent=other, kind="subdistrict", code="H1")
    other_admin = factories.org_admin(organisation=street, username="h1_admin")
    owner = Api(admins["sub1"])
    shared = owner.put(
        f"/shared-courses/{courses['private'].pk}",
        {"organisation": "S1", "scope": "subtree"},
    )
    assert shared.status_code == 200, shared.content
    api = Api(other_admin)
    assert api.get("/shared-courses?organisation=H1").json()["items"] == []
    # Neither S1's parent nor its sibling is below S1.
    assert (
        Api(admins["sub2"]).get("/shared-courses?organisation=S2").json()["items"] == []
    )
    named = owner.put(
        f"/shared-courses/{courses['private'].pk}",
        {"organisation": "S1", "scope": "named", "shared_with": ["H"]},
    )
    assert named.json()["shared_with"] == ["H"]
    listed = api.get("/shared-courses?organisation=H1").json()["items"]
    assert [item["organisation"] for item in listed] == ["S1"]
    assert (
        api.post(
            "/adoptions", {"organisation": "H1", "course": courses["private"].pk}
        ).status_code
        == 201
    )
    figures = owner.get(f"/shared-courses/{courses['private'].pk}/adoptions").json()
    assert [a["organisation"] for a in figures["adopters"]] == ["H1"]
    assert figures["adopters"][0]["completions"] == 0


def test_the_demo_district_shares_two_courses_and_a_sub_district_adopts_one(
    member_user, courses
):
    import io

    from training.demo import training_demo_load
    from training.models import CourseSharing

    district = factories.organisation(kind="district", code="YX", name="越秀区委")
    subs = [
        factories.organisation(parent=district, kind="subdistrict", code=code)
        for code in ("YX-BJ", "YX-DS", "YX-HL")
    ]
    branch = factories.organisation(parent=subs[0])
    factories.member(organisation=branch, user=member_user)
    factories.org_admin(organisation=subs[0], username="shuji")
    factories.user("root", is_superuser=True, is_staff=True)
    for _ in range(2):  # safe to run again
        training_demo_load(stdout=io.StringIO())
    owners = set(CourseSharing.objects.values_list("organisation__code", flat=True))
    assert CourseSharing.objects.count() == 2 and owners == {"YX"}
    [adoption] = CourseAdoption.objects.all()
    assert adoption.organisation.code == "YX-BJ"
    assert adoption.plan_line.title == "党员普遍轮训"


def test_the_admin_page_lists_shared_courses_to_adopt_within_scope(
    client_for, tree, admins, shared
):
    client = client_for(admins["sub1"])
    url = "/admin/training/shared/?organisation=S1"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "学党章" in html and 'value="adopt"' in html and "区内课程" not in html
    done = client.post(url, {"action": "adopt", "course": shared.pk})
    assert done.status_code == 200 and "已采用课程“学党章”" in done.content.decode()
    adoption = CourseAdoption.objects.get(organisation=tree["sub1"])
    twice = client.post(url, {"action": "adopt", "course": shared.pk})
    assert twice.status_code == 409 and "已采用" in twice.content.decode()
    # S2's administrator neither reads S1's page nor withdraws S1's adoption.
    other = client_for(admins["sub2"])
    assert other.get(url).status_code in (302, 403)
    refused = other.post(
        "/admin/training/shared/?organisation=S2",
        {"action": "withdraw", "adoption": adoption.pk},
    )
    assert refused.status_code == 404
    adoption.refresh_from_db()
    assert adoption.withdrawn_at is None
    # The district's page shows its share with the adopter.
    district = client_for(admins["district"]).get(
        "/admin/training/shared/?organisation=D"
    )
    assert "被 1 个组织采用" in district.content.decode()
