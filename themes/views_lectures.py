"""The portal's 讲师点单 pages: the menu (browse and search), a lecture with the
order form for branch secretaries, my orders (the branch's, and dispatch for the
organising department), the lecturer's incoming orders with accept/decline, the
rating form, and the secret iCalendar feed. Thin: ``lectures.services`` decides."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cms.choices import MemberType
from cms.models import TopicPage
from dangke.api_errors import status_for
from dangke.errors import DomainError, NotFound
from dangke.links import portal_url
from learning.selectors.scoping import organisations_administered
from lectures import selectors, services
from lectures.models import Lecture, LectureOrder
from themes.rendering import render_portal


@never_cache
@login_required
def menu_view(request: HttpRequest) -> HttpResponse:
    """The published menu, searched by words, topic, audience, area and mode."""
    data = request.GET
    topic = data.get("topic", "")
    filters = selectors.MenuFilter(
        q=data.get("q", "")[:100],
        topic=int(topic) if topic.isdigit() and len(topic) < 10 else None,
        audience=data.get("audience", "")[:16],
        area=data.get("area", "")[:40],
        mode=data.get("mode", "")[:8],
    )
    return render_portal(
        request,
        "lectures/menu.html",
        {
            "lectures": selectors.menu_search(filters=filters),
            "filters": filters,
            "topics": TopicPage.objects.live().order_by("title")[:100],
            "audiences": MemberType.choices,
            "lecturer": selectors.lecturer_for_user(user=request.user),
            "to_rate": selectors.orders_to_rate(user=request.user),
        },
    )


def _slots(data) -> list[datetime]:
    slots = []
    for key in ("slot1", "slot2", "slot3"):
        value = data.get(key, "").strip()
        if value:
            moment = parse_datetime(value)
            if moment is None:
                raise DomainError(f"时间“{value[:20]}”无法识别", code="invalid_order")
            slots.append(moment)
    return slots


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lecture_view(request: HttpRequest, lecture_id: int) -> HttpResponse:
    """A menu lecture; the order form for administrators of an organisation."""
    try:
        lecture = selectors.lecture_published(lecture_id=lecture_id)
    except NotFound:
        raise Http404("没有这个菜单课程") from None
    organisations = list(organisations_administered(user=request.user)[:50])
    error, status, typed = "", 200, request.POST
    if request.method == "POST":
        try:
            size = request.POST.get("audience_size", "")
            order = services.order_place(
                user=request.user,
                lecture_id=lecture.pk,
                request=services.OrderRequest(
                    organisation=request.POST.get("organisation", "")[:40],
                    slots=_slots(request.POST),
                    audience_size=int(size) if size.isdigit() and len(size) < 7 else 0,
                    audiences=request.POST.getlist("audiences")[:8],
                    online=request.POST.get("online") == "1",
                    address=request.POST.get("address", "")[:200],
                    online_url=request.POST.get("online_url", "")[:200],
                    note=request.POST.get("note", "")[:300],
                ),
            )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            url = reverse("portal:lectures_orders")
            return HttpResponseRedirect(f"{url}?placed={order.pk}")
    return render_portal(
        request,
        "lectures/lecture.html",
        {
            "lecture": lecture,
            "organisations": organisations,
            "audiences": [
                (value, label)
                for value, label in MemberType.choices
                if not lecture.audiences or value in lecture.audiences
            ],
            "typed": typed,
            "error": error,
            "summary": selectors.rating_summary(lectures=[lecture])
            if selectors.rating_summary_visible(user=request.user, lecture=lecture)
            else None,
        },
        status=status,
    )


def _order_action(request: HttpRequest, order: LectureOrder) -> str:
    action = request.POST.get("action", "")
    if action == "dispatch":
        services.order_dispatch(user=request.user, order=order)
        return "已派单"
    if action == "accept":
        slot = request.POST.get("slot", "")
        services.order_accept(
            user=request.user,
            order=order,
            slot=int(slot) if slot.isdigit() and len(slot) < 3 else -1,
        )
        return "已接单，党课已排入日程"
    if action == "decline":
        services.order_decline(
            user=request.user, order=order, reason=request.POST.get("reason", "")[:300]
        )
        return "已谢绝"
    raise DomainError("未知的操作", code="unknown_action")


def _orders_page(
    request: HttpRequest, *, name: str, template: str, orders
) -> HttpResponse:
    error, status, done = "", 200, ""
    if request.method == "POST":
        order_id = request.POST.get("order", "")
        try:
            order = selectors.order_for_user(
                user=request.user,
                order_id=int(order_id)
                if order_id.isdigit() and len(order_id) < 10
                else 0,
            )
            done = _order_action(request, order)
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(f"{reverse(name)}?done={done}")
    rows = [
        {
            "order": order,
            "slots": [parse_datetime(s) for s in order.slots],
            "may_dispatch": order.status == LectureOrder.Status.ORDERED
            and selectors.order_may_dispatch(user=request.user, order=order),
            "may_decide": order.status == LectureOrder.Status.DISPATCHED
            and selectors.order_is_lecturers(user=request.user, order=order),
        }
        for order in orders[:200]
    ]
    feed = services.calendar_feed_for(user=request.user)
    feed_url = portal_url(
        reverse("portal:lectures_calendar_feed", args=[feed.secret]), request=request
    )
    return render_portal(
        request,
        template,
        {
            "rows": rows,
            "error": error,
            "done": request.GET.get("done", "")[:40],
            "placed": request.GET.get("placed", "")[:12],
            "feed_url": feed_url,
            "now": timezone.now(),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def orders_view(request: HttpRequest) -> HttpResponse:
    """My orders: those of the organisations the caller administers (dispatch
    where the caller is the organising department)."""
    orders = selectors.orders_visible_to(user=request.user).exclude(
        lecture__lecturer__user=request.user
    )
    return _orders_page(
        request,
        name="portal:lectures_orders",
        template="lectures/orders.html",
        orders=orders,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def incoming_view(request: HttpRequest) -> HttpResponse:
    """A lecturer's incoming orders (accept one time, or decline with a reason)
    and their menu lectures' review state."""
    lecturer = selectors.lecturer_for_user(user=request.user)
    if lecturer is None:
        return render_portal(
            request, "lectures/incoming.html", {"not_lecturer": True}, status=403
        )
    orders = selectors.orders_visible_to(user=request.user).filter(
        lecture__lecturer=lecturer
    )
    response = _orders_page(
        request,
        name="portal:lectures_incoming",
        template="lectures/incoming.html",
        orders=orders,
    )
    if hasattr(response, "context_data"):
        response.context_data["lectures"] = list(lecturer.menu_lectures.all())
        response.context_data["summary"] = selectors.rating_summary(
            lectures=lecturer.menu_lectures.all()
        )
    return response


def _proposal_draft(post) -> services.LectureDraft:
    """The proposal form's fields as a draft (the service checks each)."""
    minutes = post.get("minutes", "")
    areas = post.get("areas", "").replace("，", " ").replace(",", " ").split()
    return services.LectureDraft(
        title=post.get("title", "")[:200],
        minutes=int(minutes) if minutes.isdigit() and len(minutes) < 6 else 0,
        mode=post.get("mode", ""),
        summary=post.get("summary", "")[:5000],
        audiences=post.getlist("audiences")[:10],
        topics=[
            int(t) for t in post.getlist("topics")[:20] if t.isdigit() and len(t) < 10
        ],
        tags=post.get("tags", "")[:200],
        areas=[code[:40] for code in areas[:50]],
        direct=post.get("direct") == "1",
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def propose_view(request: HttpRequest) -> HttpResponse:
    """A lecturer proposes a lecture for the menu (a draft, or submitted for the
    editors' review at once); what was typed stays on the page when it is refused."""
    if selectors.lecturer_for_user(user=request.user) is None:
        return render_portal(
            request, "lectures/propose.html", {"not_lecturer": True}, status=403
        )
    error, status = "", 200
    if request.method == "POST":
        try:
            lecture = services.lecture_propose(
                user=request.user, draft=_proposal_draft(request.POST)
            )
            if request.POST.get("submit") == "1":
                services.lecture_submit(user=request.user, lecture_id=lecture.pk)
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            done = "已提交审核" if request.POST.get("submit") == "1" else "已保存为草稿"
            return HttpResponseRedirect(
                f"{reverse('portal:lectures_incoming')}?done={done}"
            )
    return render_portal(
        request,
        "lectures/propose.html",
        {
            "error": error,
            "form": request.POST if request.method == "POST" else {},
            "chosen_audiences": request.POST.getlist("audiences"),
            "chosen_topics": request.POST.getlist("topics"),
            "modes": Lecture.Mode.choices,
            "audiences": MemberType.choices,
            "topics": TopicPage.objects.live().public().order_by("title"),
        },
        status=status,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def rate_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """The rating form of a lecture the member attended."""
    order = (
        LectureOrder.objects.select_related("lecture__lecturer")
        .filter(pk=order_id)
        .first()
    )
    if (
        order is None
        or selectors.order_attendee(user=request.user, order=order) is None
    ):
        raise Http404("没有这次党课，或您未受邀参加")
    error, status = "", 200
    if request.method == "POST":
        score = request.POST.get("score", "")
        try:
            services.order_rate(
                user=request.user,
                order=order,
                score=int(score) if score.isdigit() and len(score) < 3 else 0,
                comment=request.POST.get("comment", "")[:300],
            )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            url = reverse("portal:lectures_rate", args=[order.pk])
            return HttpResponseRedirect(f"{url}?done=1")
    return render_portal(
        request,
        "lectures/rate.html",
        {
            "order": order,
            "error": error,
            "done": request.GET.get("done") == "1",
            "rated": order.ratings.filter(member__user_id=request.user.pk).exists(),
        },
        status=status,
    )


def calendar_feed_view(request: HttpRequest, secret: str) -> HttpResponse:
    """The iCalendar feed of the account whose secret the URL carries."""
    text = services.calendar_ics(secret=secret[:64], host=request.get_host())
    if text is None:
        raise Http404("没有这个日历订阅（可能已重置）")
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["POST"])
def calendar_reset_view(request: HttpRequest) -> HttpResponse:
    """A new calendar secret (the old URL stops working)."""
    services.calendar_feed_reset(user=request.user)
    return HttpResponseRedirect(
        f"{reverse('portal:lectures_orders')}?done=订阅地址已重置"
    )
