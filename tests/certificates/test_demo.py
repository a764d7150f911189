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
