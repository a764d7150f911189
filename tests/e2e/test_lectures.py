"""The lecture menu on a phone (375×812): a branch secretary finds a lecture by
pinyin, orders it with two times (a time in the past is refused first and
nothing is stored), and sees it among the branch's orders. axe on the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lectures import services
from lectures.models import LectureOrder
from tests import factories
from tests.e2e.conftest import PHONE, axe_violations, follow, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_secretary_orders_a_lecture_on_a_phone(page, tree, editor):
    branch = tree["branch1"]
    factories.org_admin(organisation=branch, username="secretary")
    factories.member(organisation=branch, username="plain")
    lecturer_user = factories.user("lecturer", groups=["讲师"])
    factories.lecturer(name="李讲师", user=lecturer_user)
    lecture = services.lecture_propose(
        user=lecturer_user,
        draft=services.LectureDraft(
            title="党史学习教育专题党课", minutes=90, mode="onsite", areas=["S1"]
        ),
    )
    services.lecture_submit(user=lecturer_user, lecture_id=lecture.pk)
    services.lecture_review(user=editor, lecture_id=lecture.pk, publish=True)

    page.set_viewport_size(PHONE)
    sign_in(page, "secretary")
    page.goto(f"{page.base}/lectures/?q=dangshi")
    assert axe_violations(page) == [], page.url
    follow(page, page.get_by_role("link", name="党史学习教育专题党课"))
    day = timezone.localtime() + timedelta(days=3)
    page.fill("#order-slot1", "2020-01-01T09:00")
    page.fill("#order-slot2", day.strftime("%Y-%m-%dT09:00"))
    page.fill("#order-size", "30")
    page.fill("#order-address", "一支部活动室")
    follow(page, "[data-order-form] button[type=submit]")
    assert "已经过去" in page.inner_text("[data-error]")
    assert LectureOrder.objects.count() == 0
    page.fill("#order-slot1", (day + timedelta(days=1)).strftime("%Y-%m-%dT14:30"))
    page.fill("#order-slot2", day.strftime("%Y-%m-%dT09:00"))
    follow(page, "[data-order-form] button[type=submit]")
    assert "/lectures/orders/" in page.url
    assert "待派单" in page.inner_text("[data-orders]")
    assert axe_violations(page) == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    order = LectureOrder.objects.get()
    assert order.organisation == branch and len(order.slots) == 2
    screenshot(page, "lectures-order-phone")
