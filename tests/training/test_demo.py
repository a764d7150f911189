"""The training demo: plans in each state and classes in each state, idempotent."""

from __future__ import annotations

import io

import pytest

from learning.models import ClassCompletion, TrainingClass
from tests import factories
from training import selectors
from training.demo import training_demo_load
from training.models import TrainingPlan

pytestmark = pytest.mark.django_db


def test_the_demo_has_plans_and_classes_in_each_state(member_user):
    district = factories.organisation(kind="district", code="YX", name="越秀区委")
    subs = [
        factories.organisation(parent=district, kind="subdistrict", code=code)
        for code in ("YX-BJ", "YX-DS", "YX-HL")
    ]
    community = factories.organisation(parent=subs[0], kind="community")
    branch = factories.organisation(parent=community)
    factories.member(organisation=branch, user=member_user)
    for _ in range(5):
        factories.member(organisation=branch)
    factories.org_admin(organisation=subs[0], username="shuji")
    factories.user("root", is_superuser=True, is_staff=True)
    training_demo_load(stdout=io.StringIO())
    statuses = dict(TrainingPlan.objects.values_list("organisation__code", "status"))
    assert statuses == {
        "YX": "filed", "YX-BJ": "filed", "YX-DS": "returned", "YX-HL": "submitted",
    }  # fmt: skip
    states = sorted(
        selectors.class_state(training_class=c)
        for c in TrainingClass.objects.exclude(plan_line=None)
    )
    assert states == ["closed", "enrolling", "ready", "running"]
    completions = ClassCompletion.objects.count()
    assert completions >= 4
    training_demo_load(stdout=io.StringIO())
    assert TrainingPlan.objects.count() == 4
    assert TrainingClass.objects.exclude(plan_line=None).count() == 4
    assert ClassCompletion.objects.count() == completions
