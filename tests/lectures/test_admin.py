"""The admin pages: the review queue (editors), orders with dispatch (the
organising department; another sub-district sees none), workload and demand."""

from __future__ import annotations

from django.test import Client

from lectures.models import LectureOrder
from tests.lectures.conftest import later, publish


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_review_dispatch_and_report(api, people):
    from lectures import services

    lecture = services.lecture_propose(
        user=people["lecturer_user"],
        draft=services.LectureDraft(title="红色家书", minutes=60, mode="both"),
    )
    services.lecture_submit(user=people["lecturer_user"], lecture_id=lecture.pk)
    editor = _client(people["editor"])
    queue = editor.get("/admin/lectures/review/")
    assert queue.status_code == 200 and "红色家书" in queue.content.decode()
    assert _client(people["district_admin"]).get(
        "/admin/lectures/review/"
    ).status_code in (302, 403)
    bare = editor.post(
        "/admin/lectures/review/", {"lecture": lecture.pk, "action": "return"}
    )
    assert bare.status_code == 400 and "审核意见" in bare.content.decode()
    editor.post("/admin/lectures/review/", {"lecture": lecture.pk, "action": "publish"})
    lecture.refresh_from_db()
    assert lecture.status == "published"

    served = publish(people, title="基层治理", areas=["S1"])
    api(people["secretary"]).post(
        "/orders",
        {"lecture": served.pk, "organisation": "B1", "slots": [later(3), later(4)],
         "audience_size": 30, "address": "活动室"},
    )  # fmt: skip
    order = LectureOrder.objects.get()
    district = _client(people["district_admin"])
    page = district.get("/admin/lectures/").content.decode()
    assert "基层治理" in page and "派单" in page
    assert (
        "基层治理"
        not in _client(people["other_admin"]).get("/admin/lectures/").content.decode()
    )
    district.post("/admin/lectures/", {"order": order.pk})
    order.refresh_from_db()
    assert order.status == "dispatched"
    services.order_accept(user=people["lecturer_user"], order=order, slot=0)
    report = district.get("/admin/lectures/report/")
    assert report.status_code == 200
    workload = report.context["workload"]
    assert [(row.lecturer, row.lectures) for row in workload] == [("李讲师", 1)]
    demand = report.context["demand"]
    assert {row.lecture.title: row.orders for row in demand.rows}["基层治理"] == 1
    # 基层治理 goes to S1 only, 红色家书 anywhere: every sub-district is served.
    assert demand.unserved == []
    lecture.status = "returned"
    lecture.save()
    unserved = district.get("/admin/lectures/report/").context["demand"].unserved
    assert [node.code for node in unserved] == ["S2"]
    assert _client(people["member"].user).get("/admin/lectures/").status_code in (
        302,
        403,
    )
