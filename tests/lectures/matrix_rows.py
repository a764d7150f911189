"""The lectures rows of the authorisation matrix (see ``tests.matrix``): a
lecturer sees the orders of their own lectures and their ratings only as an
aggregate; a branch's orders are seen by its administrators (and the levels
above, and editors); another sub-district's administrator sees none; only a
member who checked in rates."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.matrix import SIGNED_IN, Row, api, but, every, portal

NONE_SEE = but(404, anonymous=401)
LECTURER_ONLY = but(403, anonymous=401, lecturer=200)
EDITORS_ONLY = but(403, anonymous=401, editor=200, superuser=200)
PAGE = but(200, anonymous=302)
LECTURE_BODY = {"title": "基层治理的新实践", "minutes": 60, "mode": "both"}

ROWS: list[Row] = [
    api("lectures_menu_search", "GET", "/lectures/menu?q=dangshi", SIGNED_IN),
    api("lectures_menu_detail", "GET", "/lectures/menu/{lecture}", SIGNED_IN),
    api("lectures_menu_detail", "GET", "/lectures/menu/{lecture_draft}", NONE_SEE),
    api("lectures_rating_summary", "GET", "/lectures/menu/{lecture}/ratings",
        but(403, anonymous=401, lecturer=200, editor=200, superuser=200)),
    api("lectures_lecture_mine", "GET", "/lectures/mine", LECTURER_ONLY),
    api("lectures_lecture_propose", "POST", "/lectures/mine",
        but(403, anonymous=401, lecturer=201), LECTURE_BODY),
    api("lectures_lecture_update", "PUT", "/lectures/mine/{lecture_draft}",
        but(403, anonymous=401, lecturer=200), LECTURE_BODY),
    api("lectures_lecture_submit", "POST", "/lectures/mine/{lecture_draft}/submit",
        but(403, anonymous=401, lecturer=200)),
    api("lectures_review_queue", "GET", "/lectures/review", EDITORS_ONLY),
    api("lectures_lecture_review", "POST", "/lectures/review/{lecture_submitted}",
        EDITORS_ONLY, {"publish": True}),
    api("lectures_order_list", "GET", "/lectures/orders", SIGNED_IN),
    api("lectures_order_place", "POST", "/lectures/orders",
        but(403, anonymous=401, editor=201, other_admin=201, superuser=201),
        {"lecture": "{lecture}", "organisation": "B2", "slots": "{lecture_slots}",
         "audience_size": 20, "address": "二支部活动室"}),
    api("lectures_order_detail", "GET", "/lectures/orders/{lecture_order}",
        but(404, anonymous=401, lecturer=200, editor=200, superuser=200)),
    api("lectures_order_dispatch", "POST", "/lectures/orders/{lecture_new_order}/dispatch",
        but(404, anonymous=401, lecturer=403, editor=200, superuser=200)),
    api("lectures_order_accept", "POST", "/lectures/orders/{lecture_order}/accept",
        but(404, anonymous=401, lecturer=200, editor=403, superuser=403), {"slot": 0}),
    api("lectures_order_decline", "POST", "/lectures/orders/{lecture_order}/decline",
        but(404, anonymous=401, lecturer=200, editor=403, superuser=403),
        {"reason": "当天另有安排"}),
    api("lectures_order_rate", "POST", "/lectures/orders/{lecture_held}/rating",
        but(404, anonymous=401, member=201, lecturer=403, editor=403, superuser=403),
        {"score": 5}),
    api("lectures_calendar", "GET", "/lectures/calendar", SIGNED_IN),
    api("lectures_calendar_reset", "POST", "/lectures/calendar/reset", SIGNED_IN),
    portal("lectures_menu", "GET", "/lectures/", PAGE),
    portal("lectures_lecture", "GET", "/lectures/{lecture}/", PAGE),
    portal("lectures_lecture", "GET", "/lectures/{lecture_draft}/", but(404, anonymous=302)),
    portal("lectures_orders", "GET", "/lectures/orders/", PAGE),
    portal("lectures_incoming", "GET", "/lectures/incoming/",
           but(403, anonymous=302, lecturer=200)),
    portal("lectures_propose", "GET", "/lectures/propose/",
           but(403, anonymous=302, lecturer=200)),
    portal("lectures_rate", "GET", "/lectures/orders/{lecture_held}/rate/",
           but(404, anonymous=302, member=200)),
    portal("lectures_calendar_reset", "POST", "/lectures/calendar/reset/", every(302)),
    portal("lectures_calendar_feed", "GET", "/lectures/calendar/{lecture_feed}.ics",
           every(200)),
    portal("lectures_calendar_feed", "GET", "/lectures/calendar/wrong-secret.ics",
           every(404)),
]  # fmt: skip
ADMIN_CLASSES: list[tuple[str, str]] = [("own rule", "admin/lectures/")]


def world(context: dict) -> dict:
    """A published lecture of the lecturer (张老师, for everyone anywhere), a
    draft and a submitted one; B1's orders (by B1's secretary): one dispatched
    (``lecture_order``), one waiting for dispatch (``lecture_new_order``) and one
    held yesterday that the member checked in to (``lecture_held``); the
    member's calendar feed secret."""
    from lectures import services
    from lectures.models import Lecture, LectureOrder
    from meetings.models import Attendee
    from meetings.services import MeetingPlan, meeting_schedule
    from tests import factories

    users = context["users"]
    lecturer_user = users[3]
    editor = users[5]

    def propose(title, **extra):
        return services.lecture_propose(
            user=lecturer_user,
            draft=services.LectureDraft(title=title, minutes=90, mode="both", **extra),
        )

    lecture = propose("党史学习教育专题党课", tags="党史")
    services.lecture_submit(user=lecturer_user, lecture_id=lecture.pk)
    services.lecture_review(user=editor, lecture_id=lecture.pk, publish=True)
    draft = propose("草稿课程")
    submitted = propose("待审核课程")
    services.lecture_submit(user=lecturer_user, lecture_id=submitted.pk)

    secretary = factories.org_admin(
        organisation=context["branch1"], username="b1_secretary"
    )

    def slots(days=10):
        start = timezone.localtime() + timedelta(days=days)
        start = start.replace(hour=9, minute=0, second=0, microsecond=0)
        return [start, start + timedelta(days=1)]

    def order(**extra):
        return services.order_place(
            user=secretary,
            lecture_id=lecture.pk,
            request=services.OrderRequest(
                organisation="B1",
                slots=slots(),
                audience_size=25,
                address="一支部",
                **extra,
            ),
        )

    dispatched = order()
    services.order_dispatch(user=editor, order=dispatched)
    waiting = order(note="待派单")
    begun = timezone.now() - timedelta(days=1)
    meeting = meeting_schedule(
        user=secretary,
        organisation_code="B1",
        plan=MeetingPlan(
            kind="lecture", theme=lecture.title, starts_at=begun,
            ends_at=begun + timedelta(hours=1), place="address", address="一支部",
            host=context["member"].pk, recorder=context["member"].pk,
        ),
    )  # fmt: skip
    held = LectureOrder.objects.create(
        lecture=lecture, organisation=context["branch1"], ordered_by=secretary,
        slots=[begun.isoformat()], audience_size=20, address="一支部",
        status=LectureOrder.Status.ACCEPTED, created_at=begun - timedelta(days=9),
        starts_at=begun, ends_at=begun + timedelta(hours=1), meeting=meeting,
    )  # fmt: skip
    Attendee.objects.filter(meeting=meeting, member=context["member"]).update(
        attendance="code", attended_at=begun
    )
    assert Lecture.objects.filter(status="published").count() == 1
    return {
        "lecture": lecture.pk,
        "lecture_draft": draft.pk,
        "lecture_submitted": submitted.pk,
        "lecture_order": dispatched.pk,
        "lecture_new_order": waiting.pk,
        "lecture_held": held.pk,
        "lecture_slots": lambda: [s.isoformat() for s in slots(20)],
        "lecture_feed": services.calendar_feed_for(user=users[1]).secret,
    }


def demo_ids(member) -> dict:
    """The demo's ids for the lectures operations' path parameters: a published
    lecture and an order of the member's branch."""
    from lectures.models import Lecture, LectureOrder

    lecture = Lecture.objects.filter(status="published").order_by("pk").first()
    order = (
        LectureOrder.objects.filter(organisation=member.organisation)
        .order_by("pk")
        .first()
    ) or LectureOrder.objects.order_by("pk").first()
    return {
        "menu_lecture_id": lecture.pk if lecture else 1,
        "lecture_order_id": order.pk if order else 1,
    }
