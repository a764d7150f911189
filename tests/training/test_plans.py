"""Yearly plans: drafted by the organisation, submitted to its parent for 备案,
filed (frozen) or returned with a comment, revised as a new filed revision."""

from __future__ import annotations

import pytest

from tests.training.conftest import line
from training import selectors, services
from training.errors import (
    InvalidPlan,
    NotParentAdministrator,
    NotPlanAdministrator,
    PlanFrozen,
    PlanStateConflict,
)
from training.models import TrainingPlan


@pytest.fixture
def plan(tree, admins):
    return services.plan_create(
        user=admins["sub1"],
        organisation=tree["sub1"],
        year=2026,
        title="华乐街道 2026 年度党员培训计划",
        lines=[
            line(),
            line(
                title="流动党员兜底培训",
                kind="safety_net",
                target_groups=["mobile", "infirm"],
                months=[5],
            ),
        ],
    )


def test_a_plan_goes_from_draft_to_filed_and_is_frozen(plan, admins):
    assert plan.status == TrainingPlan.Status.DRAFT
    assert [ln.kind for ln in plan.lines.all()] == ["demonstration", "safety_net"]
    services.plan_submit(user=admins["sub1"], plan=plan)
    with pytest.raises(PlanStateConflict) as twice:
        services.plan_submit(user=admins["sub1"], plan=plan)
    assert twice.value.code == "already_submitted"
    filed = services.plan_decide(user=admins["district"], plan=plan, file=True)
    assert filed.status == TrainingPlan.Status.FILED
    with pytest.raises(PlanFrozen) as frozen:
        services.plan_update(user=admins["sub1"], plan=filed, title="改名")
    assert "已备案" in frozen.value.detail
    filed.refresh_from_db()
    assert filed.title == "华乐街道 2026 年度党员培训计划"


def test_only_the_organisations_admin_submits(plan, admins):
    for outsider in (admins["sub2"], admins["branch1"]):
        with pytest.raises(NotPlanAdministrator):
            services.plan_submit(user=outsider, plan=plan)
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.DRAFT


def test_only_the_parents_admins_or_higher_file(tree, plan, admins):
    services.plan_submit(user=admins["sub1"], plan=plan)
    # Its own administrator and a sibling's may not file it.
    for user in (admins["sub1"], admins["sub2"]):
        with pytest.raises(NotParentAdministrator) as refused:
            services.plan_decide(user=user, plan=plan, file=True)
        assert "越秀区" in refused.value.detail
    assert list(selectors.filing_queue(user=admins["district"])) == [plan]
    assert list(selectors.filing_queue(user=admins["sub1"])) == []
    # A branch's plan is filed by its community or anyone above: the district too.
    branch_plan = services.plan_create(
        user=admins["branch1"],
        organisation=tree["branch1"],
        year=2026,
        title="支部计划",
        lines=[line()],
    )
    services.plan_submit(user=admins["branch1"], plan=branch_plan)
    assert branch_plan in selectors.filing_queue(user=admins["sub1"])
    services.plan_decide(user=admins["sub1"], plan=branch_plan, file=True)


def test_the_district_cannot_file_its_own_plan(tree, admins):
    own = services.plan_create(
        user=admins["district"],
        organisation=tree["district"],
        year=2026,
        title="区计划",
        lines=[line()],
    )
    services.plan_submit(user=admins["district"], plan=own)
    with pytest.raises(NotParentAdministrator):
        services.plan_decide(user=admins["district"], plan=own, file=True)
    assert own not in selectors.filing_queue(user=admins["district"])


def test_returned_with_a_comment_then_changed_and_filed(plan, admins):
    services.plan_submit(user=admins["sub1"], plan=plan)
    with pytest.raises(InvalidPlan):
        services.plan_decide(user=admins["district"], plan=plan, file=False)
    returned = services.plan_decide(
        user=admins["district"], plan=plan, file=False, comment="兜底培训须覆盖老党员"
    )
    assert returned.status == TrainingPlan.Status.RETURNED
    assert returned.comment == "兜底培训须覆盖老党员"
    services.plan_update(
        user=admins["sub1"],
        plan=returned,
        lines=[line(title="兜底培训", kind="safety_net", target_groups=["infirm"])],
    )
    services.plan_submit(user=admins["sub1"], plan=returned)
    services.plan_decide(user=admins["district"], plan=returned, file=True)
    returned.refresh_from_db()
    assert returned.status == TrainingPlan.Status.FILED
    assert [ln.title for ln in returned.lines.all()] == ["兜底培训"]


def test_a_revision_copies_the_lines_and_is_filed_again(plan, admins):
    services.plan_submit(user=admins["sub1"], plan=plan)
    services.plan_decide(user=admins["district"], plan=plan, file=True)
    revision = services.plan_revise(user=admins["sub1"], plan=plan)
    assert (revision.revision, revision.status) == (2, TrainingPlan.Status.DRAFT)
    old_lines = list(plan.lines.all())
    new_lines = list(revision.lines.all())
    assert [ln.title for ln in new_lines] == [ln.title for ln in old_lines]
    assert [ln.copied_from_id for ln in new_lines] == [ln.pk for ln in old_lines]
    with pytest.raises(PlanStateConflict):
        services.plan_revise(user=admins["sub1"], plan=plan)  # a newer one exists
    services.plan_update(user=admins["sub1"], plan=revision, title="调整后的计划")
    services.plan_submit(user=admins["sub1"], plan=revision)
    services.plan_decide(user=admins["district"], plan=revision, file=True)
    plan.refresh_from_db()
    assert plan.status == TrainingPlan.Status.FILED and plan.title != "调整后的计划"


@pytest.mark.parametrize(
    "bad, code",
    [
        ({"kind": "other"}, "invalid_kind"),
        ({"target_groups": ["pilots"]}, "invalid_target_group"),
        ({"target_groups": []}, "target_required"),
        ({"months": [13]}, "invalid_month"),
        ({"title": " "}, "line_title_required"),
        ({"planned_people": -1}, "invalid_figure"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_lost(plan, admins, bad, code):
    with pytest.raises(InvalidPlan) as refused:
        services.plan_update(user=admins["sub1"], plan=plan, lines=[line(**bad)])
    assert refused.value.code == code
    assert plan.lines.count() == 2


def test_a_second_plan_for_the_year_is_refused(plan, tree, admins):
    with pytest.raises(PlanStateConflict):
        services.plan_create(
            user=admins["sub1"], organisation=tree["sub1"], year=2026, title="又一份"
        )
