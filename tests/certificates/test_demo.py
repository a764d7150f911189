"""The demo's certificates: issued at once for every class with completers (and a
class of the ``member`` login's own when they completed none), verifying as 有效;
a second load issues nothing new."""

from __future__ import annotations

import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_demo_issues_certificates_that_verify_once(tree, member, other_member):
    from certificates.demo import OWN_CLASS, certificates_demo_load
    from certificates.models import Certificate
    from learning.models import TrainingClass

    out = io.StringIO()
    certificates_demo_load(stdout=out)

    mine = Certificate.objects.get(member=member)
    assert mine.class_title == OWN_CLASS
    assert TrainingClass.objects.get(title=OWN_CLASS).organisation == tree["community1"]
    assert Certificate.objects.count() == 2  # the member and a branch colleague
    assert mine.file.size > 1000
    page = Client().get(f"/verify/{mine.code}")
    assert page.status_code == 200 and "有效" in page.content.decode()
    assert f"/verify/{mine.code}" in out.getvalue()

    certificates_demo_load(stdout=io.StringIO())
    assert Certificate.objects.count() == 2
    assert TrainingClass.objects.filter(title=OWN_CLASS).count() == 1


def test_the_training_demos_closed_class_has_certificates_that_verify(
    member_user, django_capture_on_commit_callbacks
):
    """Closing the training demo's class asks for its certificates
    (``issue_for_class``); the demo issues them, once."""
    from certificates.demo import certificates_demo_load
    from certificates.models import Certificate
    from learning.models import ClassCompletion
    from tests import factories
    from training.demo import training_demo_load

    district = factories.organisation(kind="district", code="YX", name="越秀区委")
    subs = [
        factories.organisation(parent=district, kind="subdistrict", code=code)
        for code in ("YX-BJ", "YX-DS", "YX-HL")
    ]
    community = factories.organisation(parent=subs[0], kind="community")
    branch = factories.organisation(parent=community)
    factories.member(organisation=branch, user=member_user)
    for _ in range(3):
        factories.member(organisation=branch)
    factories.org_admin(organisation=subs[0], username="shuji")
    factories.user("root", is_superuser=True, is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        training_demo_load(stdout=io.StringIO())
    certificates_demo_load(stdout=io.StringIO())

    completions = ClassCompletion.objects.all()
    assert completions.exists()
    holders = set(Certificate.objects.values_list("training_class", "member"))
    assert holders == set(completions.values_list("training_class", "member"))
    code = Certificate.objects.first().code
    assert "有效" in Client().get(f"/verify/{code}").content.decode()
    certificates_demo_load(stdout=io.StringIO())
    assert Certificate.objects.count() == len(holders)
