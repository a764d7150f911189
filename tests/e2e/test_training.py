"""我的培训班 on a phone (375 px): a member opens a class open to apply, reads its
timetable, applies, then asks for leave from a session of a class they are enrolled
in; no horizontal scrolling, no serious accessibility violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.e2e.conftest import PHONE, axe_violations, follow, screenshot, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_my_classes_on_a_phone(page, member_user, home_page):
    from learning.models import TrainingClass, TrainingSession
    from training.models import ClassEnrolment, SessionRequest

    branch = factories.organisation(name="第一党支部")
    member = factories.member(organisation=branch, user=member_user)
    start = timezone.now() + timedelta(days=2)
    open_class = TrainingClass.objects.create(
        title="党员轮训班（第二期）", organisation=branch
    )
    mine = TrainingClass.objects.create(title="书记示范培训班", organisation=branch)
    for klass in (open_class, mine):
        for n in range(2):
            TrainingSession.objects.create(
                training_class=klass,
                title=f"第{n + 1}讲：基层治理实务与党章党规学习",
                starts_at=start + timedelta(days=n),
                ends_at=start + timedelta(days=n, hours=2),
            )
    ClassEnrolment.objects.create(
        training_class=mine, member=member, status="enrolled", via="organisation"
    )

    page.set_viewport_size(PHONE)
    sign_in(page, "member")
    page.goto(f"{page.base}/me/training/")
    assert "书记示范培训班" in page.inner_text("[data-my-classes]")
    assert "党员轮训班（第二期）" in page.inner_text("[data-open-classes]")
    assert axe_violations(page) == []
    follow(page, page.locator("[data-open-classes] a").first)
    assert page.locator("[data-timetable] li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    follow(page, "form.form button.primary")
    assert "已提交报名" in page.inner_text("main")
    assert "待审核" in page.inner_text("[data-enrolment]")

    page.goto(f"{page.base}/me/training/{mine.pk}/")
    page.locator("[data-timetable] input[name=reason]").first.fill("外出务工")
    follow(page, page.locator("[data-timetable] button[value=leave]").first)
    assert "已提交请假申请" in page.inner_text("main")
    assert SessionRequest.objects.filter(member=member, kind="leave").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert axe_violations(page) == []
    screenshot(page, "training-class")
    assert page.problems == []
