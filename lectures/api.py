"""讲师点单 API: the menu (propose, review, search), orders (点单 → 派单 → 接单),
ratings (评单) as aggregates, and the personal calendar feed.

Thin: the rules are ``lectures.services`` and ``lectures.selectors``; refusals
are answered as problem documents by ``dangke.api_errors``.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from ninja import Router, Status
from ninja.security import django_auth

from dangke.api_errors import error_responses
from dangke.links import portal_url
from dangke.tokens import TokenAuth
from lectures import selectors, services
from lectures.errors import NotPermittedHere
from lectures.models import Lecture, LectureOrder
from lectures.schemas import (
    CalendarFeedOut,
    LectureAcceptIn,
    LectureDeclineIn,
    LectureOrderIn,
    LectureOrderListOut,
    LectureOrderOut,
    LectureRatingIn,
    LectureRatingOut,
    LectureRatingSummaryOut,
    MenuLectureIn,
    MenuLectureListOut,
    MenuLectureOut,
    MenuReviewIn,
)

router = Router(tags=["lectures"], auth=[TokenAuth(), django_auth])


def lecture_out(lecture: Lecture) -> dict:
    """A menu item as ``MenuLectureOut`` (also used by the portal)."""
    return {
        "id": lecture.pk,
        "title": lecture.title,
        "summary": lecture.summary,
        "minutes": lecture.minutes,
        "mode": lecture.mode,
        "mode_label": lecture.get_mode_display(),
        "audiences": lecture.audiences,
        "topics": [t.pk for t in lecture.topics.all()],
        "tags": lecture.tags,
        "areas": [a.code for a in lecture.areas.all()],
        "direct": lecture.direct,
        "lecturer": lecture.lecturer.name,
        "lecturer_title": lecture.lecturer.title,
        "status": lecture.status,
        "status_label": lecture.get_status_display(),
        "review_comment": lecture.review_comment,
        "published_at": lecture.published_at,
    }


def order_out(request: HttpRequest, order: LectureOrder) -> dict:
    user = request.user
    attendee = selectors.order_attendee(user=user, order=order)
    return {
        "id": order.pk,
        "lecture": order.lecture_id,
        "lecture_title": order.lecture.title,
        "lecturer": order.lecture.lecturer.name,
        "organisation": order.organisation.code,
        "organisation_name": order.organisation.name,
        "slots": [parse_datetime(s) for s in order.slots],
        "audience_size": order.audience_size,
        "audiences": order.audiences,
        "online": order.online,
        "address": order.address,
        "online_url": order.online_url,
        "note": order.note,
        "status": order.status,
        "status_label": order.get_status_display(),
        "created_at": order.created_at,
        "dispatched_at": order.dispatched_at,
        "decided_at": order.decided_at,
        "decline_reason": order.decline_reason,
        "starts_at": order.starts_at,
        "ends_at": order.ends_at,
        "meeting": order.meeting_id,
        "may_dispatch": order.status == LectureOrder.Status.ORDERED
        and selectors.order_may_dispatch(user=user, order=order),
        "may_decide": order.status == LectureOrder.Status.DISPATCHED
        and selectors.order_is_lecturers(user=user, order=order),
        "may_rate": attendee is not None
        and attendee.attendance in selectors.ATTENDED
        and not order.ratings.filter(member_id=attendee.member_id).exists(),
    }


def _draft(payload: MenuLectureIn) -> services.LectureDraft:
    return services.LectureDraft(**payload.dict())


@router.get(
    "/menu",
    response={200: MenuLectureListOut, **error_responses(400)},
    operation_id="lectures_menu_search",
    summary="Search the published lecture menu (菜单)",
    description=(
        "`q`: words of the title, summary, keywords, topics or lecturer (Chinese, "
        "traditional or simplified, pinyin or initials); `topic` (a topic page id), "
        "`audience` (a member type), `area` (an organisation code: lectures that go "
        "there), `mode` (onsite or online)."
    ),
)
def menu_search(
    request: HttpRequest,
    q: str = "",
    topic: int | None = None,
    audience: str = "",
    area: str = "",
    mode: str = "",
):
    filters = selectors.MenuFilter(
        q=q[:100],
        topic=topic if topic and 0 < topic < 2**31 else None,
        audience=audience[:16],
        area=area[:40],
        mode=mode[:8],
    )
    found = selectors.menu_search(filters=filters)
    return Status(200, {"items": [lecture_out(lecture) for lecture in found]})


@router.get(
    "/menu/{menu_lecture_id}",
    response={200: MenuLectureOut, **error_responses(404)},
    operation_id="lectures_menu_detail",
    summary="A published menu lecture",
)
def menu_detail(request: HttpRequest, menu_lecture_id: int):
    return Status(
        200, lecture_out(selectors.lecture_published(lecture_id=menu_lecture_id))
    )


@router.get(
    "/menu/{menu_lecture_id}/ratings",
    response={200: LectureRatingSummaryOut, **error_responses(403, 404)},
    operation_id="lectures_rating_summary",
    summary="A lecture's ratings as an aggregate (no names, no ranking)",
    description=(
        "For the lecturer and the organising department (editors, administrators "
        "of an organisation that ordered it). The average and the comments only "
        "from `LECTURES_RATING_MIN_GROUP` ratings on."
    ),
)
def rating_summary(request: HttpRequest, menu_lecture_id: int):
    lecture = selectors.lecture_published(lecture_id=menu_lecture_id)
    if not selectors.rating_summary_visible(user=request.user, lecture=lecture):
        raise NotPermittedHere("只有讲师本人和组织部门可以查看评价汇总")
    summary = selectors.rating_summary(lectures=[lecture])
    return Status(200, summary.__dict__)


@router.get(
    "/mine",
    response={200: MenuLectureListOut, **error_responses(403)},
    operation_id="lectures_lecture_mine",
    summary="The caller's own menu lectures, in every state (lecturers)",
)
def lecture_mine(request: HttpRequest):
    lecturer = selectors.lecturer_required(user=request.user)
    lectures = Lecture.objects.filter(lecturer=lecturer).order_by("-created_at", "-pk")
    return Status(200, {"items": [lecture_out(lecture) for lecture in lectures]})


@router.post(
    "/mine",
    response={201: MenuLectureOut, **error_responses(400, 403)},
    operation_id="lectures_lecture_propose",
    summary="Propose a lecture for the menu (a draft; lecturers)",
)
def lecture_propose(request: HttpRequest, payload: MenuLectureIn):
    lecture = services.lecture_propose(user=request.user, draft=_draft(payload))
    return Status(201, lecture_out(lecture))


@router.put(
    "/mine/{menu_lecture_id}",
    response={200: MenuLectureOut, **error_responses(400, 403, 404, 409)},
    operation_id="lectures_lecture_update",
    summary="Change one's draft or returned menu lecture",
)
def lecture_update(request: HttpRequest, menu_lecture_id: int, payload: MenuLectureIn):
    lecture = services.lecture_update(
        user=request.user, lecture_id=menu_lecture_id, draft=_draft(payload)
    )
    return Status(200, lecture_out(lecture))


@router.post(
    "/mine/{menu_lecture_id}/submit",
    response={200: MenuLectureOut, **error_responses(403, 404, 409)},
    operation_id="lectures_lecture_submit",
    summary="Submit one's menu lecture for review",
)
def lecture_submit(request: HttpRequest, menu_lecture_id: int):
    lecture = services.lecture_submit(user=request.user, lecture_id=menu_lecture_id)
    return Status(200, lecture_out(lecture))


@router.get(
    "/review",
    response={200: MenuLectureListOut, **error_responses(403)},
    operation_id="lectures_review_queue",
    summary="Menu lectures waiting for review (editors)",
)
def review_queue(request: HttpRequest):
    if not selectors.user_reviews_menu(user=request.user):
        raise NotPermittedHere("只有编辑可以审核菜单课程")
    lectures = selectors.lectures_for_review(user=request.user)
    return Status(200, {"items": [lecture_out(lecture) for lecture in lectures]})


@router.post(
    "/review/{menu_lecture_id}",
    response={200: MenuLectureOut, **error_responses(400, 403, 404, 409)},
    operation_id="lectures_lecture_review",
    summary="Publish a submitted menu lecture or return it with a comment (editors)",
)
def lecture_review(request: HttpRequest, menu_lecture_id: int, payload: MenuReviewIn):
    lecture = services.lecture_review(
        user=request.user,
        lecture_id=menu_lecture_id,
        publish=payload.publish,
        comment=payload.comment,
    )
    return Status(200, lecture_out(lecture))


@router.get(
    "/orders",
    response={200: LectureOrderListOut},
    operation_id="lectures_order_list",
    summary="Orders the caller may see",
    description=(
        "Orders of the organisations the caller administers (and below) and orders "
        "of the caller's own lectures; `status` filters (ordered, dispatched, "
        "accepted, declined)."
    ),
)
def order_list(request: HttpRequest, status: str = ""):
    orders = selectors.orders_visible_to(user=request.user)
    if status:
        orders = orders.filter(status=status[:12])
    return Status(200, {"items": [order_out(request, o) for o in orders[:500]]})


@router.post(
    "/orders",
    response={201: LectureOrderOut, **error_responses(400, 403, 404)},
    operation_id="lectures_order_place",
    summary="Order a menu lecture for a branch (点单)",
    description=(
        "For administrators of the ordering organisation: 2–3 preferred start "
        "times in the future, the expected audience, on-site (an address inside "
        "the lecturer's areas) or online (an https link). Refused: "
        "`outside_areas`, `outside_audiences`, `slot_in_past`, `mode_not_offered`."
    ),
)
def order_place(request: HttpRequest, payload: LectureOrderIn):
    order = services.order_place(
        user=request.user,
        lecture_id=payload.lecture,
        request=services.OrderRequest(**payload.dict(exclude={"lecture"})),
    )
    return Status(201, order_out(request, order))


def _order(request: HttpRequest, lecture_order_id: int) -> LectureOrder:
    return selectors.order_for_user(user=request.user, order_id=lecture_order_id)


@router.get(
    "/orders/{lecture_order_id}",
    response={200: LectureOrderOut, **error_responses(404)},
    operation_id="lectures_order_detail",
    summary="One order",
)
def order_detail(request: HttpRequest, lecture_order_id: int):
    return Status(200, order_out(request, _order(request, lecture_order_id)))


@router.post(
    "/orders/{lecture_order_id}/dispatch",
    response={200: LectureOrderOut, **error_responses(403, 404, 409)},
    operation_id="lectures_order_dispatch",
    summary="Dispatch an order to its lecturer (派单; the organising department)",
)
def order_dispatch(request: HttpRequest, lecture_order_id: int):
    order = services.order_dispatch(
        user=request.user, order=_order(request, lecture_order_id)
    )
    return Status(200, order_out(request, _order(request, order.pk)))


@router.post(
    "/orders/{lecture_order_id}/accept",
    response={200: LectureOrderOut, **error_responses(400, 403, 404, 409)},
    operation_id="lectures_order_accept",
    summary="Accept an order at one of its times (接单; the lecturer)",
    description=(
        "Schedules the branch's 党课 meeting with check-in. 409 `double_booked` "
        "when the lecturer already gives a lecture then, `wrong_state` when the "
        "order is not waiting for the lecturer."
    ),
)
def order_accept(request: HttpRequest, lecture_order_id: int, payload: LectureAcceptIn):
    order = services.order_accept(
        user=request.user, order=_order(request, lecture_order_id), slot=payload.slot
    )
    return Status(200, order_out(request, _order(request, order.pk)))


@router.post(
    "/orders/{lecture_order_id}/decline",
    response={200: LectureOrderOut, **error_responses(400, 403, 404, 409)},
    operation_id="lectures_order_decline",
    summary="Decline an order with a reason (the lecturer)",
)
def order_decline(
    request: HttpRequest, lecture_order_id: int, payload: LectureDeclineIn
):
    order = services.order_decline(
        user=request.user,
        order=_order(request, lecture_order_id),
        reason=payload.reason,
    )
    return Status(200, order_out(request, _order(request, order.pk)))


def _rated_order(request: HttpRequest, lecture_order_id: int) -> LectureOrder:
    """An order the caller may see, or whose meeting the caller was asked to."""
    order = (
        LectureOrder.objects.select_related("lecture__lecturer")
        .filter(pk=lecture_order_id)
        .first()
    )
    if order is not None and selectors.order_attendee(user=request.user, order=order):
        return order
    return _order(request, lecture_order_id)


@router.post(
    "/orders/{lecture_order_id}/rating",
    response={201: LectureRatingOut, **error_responses(400, 403, 404, 409)},
    operation_id="lectures_order_rate",
    summary="Rate a lecture one attended (评单; once, anonymous to the lecturer)",
)
def order_rate(request: HttpRequest, lecture_order_id: int, payload: LectureRatingIn):
    rating = services.order_rate(
        user=request.user,
        order=_rated_order(request, lecture_order_id),
        score=payload.score,
        comment=payload.comment,
    )
    return Status(
        201,
        {
            "score": rating.score,
            "comment": rating.comment,
            "created_at": rating.created_at,
        },
    )


def _feed_url(request: HttpRequest, secret: str) -> str:
    return portal_url(
        reverse("portal:lectures_calendar_feed", args=[secret]), request=request
    )


@router.get(
    "/calendar",
    response={200: CalendarFeedOut},
    operation_id="lectures_calendar",
    summary="The caller's iCalendar feed URL",
    description=(
        "A secret URL (`text/calendar`) with the accepted lectures one gives or "
        "one's organisations ordered and, for members, their meetings and training "
        "sessions."
    ),
)
def calendar(request: HttpRequest):
    feed = services.calendar_feed_for(user=request.user)
    return Status(200, {"url": _feed_url(request, feed.secret)})


@router.post(
    "/calendar/reset",
    response={200: CalendarFeedOut},
    operation_id="lectures_calendar_reset",
    summary="A new secret calendar URL (the old one stops working)",
)
def calendar_reset(request: HttpRequest):
    feed = services.calendar_feed_reset(user=request.user)
    return Status(200, {"url": _feed_url(request, feed.secret)})
