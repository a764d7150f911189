"""Admin pages of the lecture menu: the review queue (editors publish or return
with a comment), the orders of one's subtrees with dispatch (派单), and the
report: each lecturer's workload (lectures a month) and the menu's demand (orders
per lecture, unfilled orders, sub-districts no lecture goes to).

Thin: every rule is ``lectures.services`` / ``lectures.selectors``, the same the
API calls; a refusal is shown on the page with the status its kind maps to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from dangke.api_errors import status_for
from dangke.errors import DomainError
from learning.selectors.scoping import organisation_scope_q
from lectures import selectors, services
from lectures.models import LectureOrder

PERMISSION = "learning.view_member"  # organisation administrators and editors


def may_open(user) -> bool:
    return user.has_perm(PERMISSION) or selectors.user_reviews_menu(user=user)


def _require(request: HttpRequest) -> None:
    if not may_open(request.user):
        raise PermissionDenied


def _orders_in_scope(request: HttpRequest):
    return LectureOrder.objects.filter(
        organisation_scope_q(user=request.user, prefix="organisation__")
    ).select_related("lecture", "lecture__lecturer", "organisation")


def _id(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


def orders_view(request: HttpRequest) -> HttpResponse:
    """Orders of the user's subtrees, newest first; dispatch where allowed."""
    _require(request)
    error, status = "", 200
    orders = _orders_in_scope(request)
    if request.method == "POST":
        try:
            order = selectors.order_for_user(
                user=request.user, order_id=_id(request.POST.get("order", ""))
            )
            services.order_dispatch(user=request.user, order=order)
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(reverse("lectures_admin") + "?done=1")
    wanted = request.GET.get("status", "")
    if wanted in LectureOrder.Status.values:
        orders = orders.filter(status=wanted)
    rows = [
        {
            "order": order,
            "slots": [parse_datetime(s) for s in order.slots],
            "may_dispatch": order.status == LectureOrder.Status.ORDERED
            and selectors.order_may_dispatch(user=request.user, order=order),
        }
        for order in orders[:300]
    ]
    return render(
        request,
        "lectures/admin/orders.html",
        {
            "page_title": "点单与派单",
            "rows": rows,
            "statuses": LectureOrder.Status.choices,
            "wanted": wanted,
            "error": error,
            "done": request.GET.get("done") == "1",
            "reviews": selectors.user_reviews_menu(user=request.user),
        },
        status=status,
    )


def review_view(request: HttpRequest) -> HttpResponse:
    """The menu's review queue: publish, or return with a comment (editors)."""
    if not selectors.user_reviews_menu(user=request.user):
        raise PermissionDenied
    error, status = "", 200
    if request.method == "POST":
        try:
            services.lecture_review(
                user=request.user,
                lecture_id=_id(request.POST.get("lecture", "")),
                publish=request.POST.get("action") == "publish",
                comment=request.POST.get("comment", "")[:300],
            )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(reverse("lectures_admin_review") + "?done=1")
    return render(
        request,
        "lectures/admin/review.html",
        {
            "page_title": "菜单审核",
            "lectures": selectors.lectures_for_review(user=request.user),
            "error": error,
            "done": request.GET.get("done") == "1",
            "reviews": True,
        },
        status=status,
    )


def report_view(request: HttpRequest) -> HttpResponse:
    """Workload of each lecturer by month, and the menu's demand, over the orders
    of the user's subtrees."""
    _require(request)
    orders = _orders_in_scope(request)
    return render(
        request,
        "lectures/admin/report.html",
        {
            "page_title": "讲师工作量与点单需求",
            "workload": selectors.lecturer_workload(orders=orders),
            "demand": selectors.menu_demand(orders=orders),
            "reviews": selectors.user_reviews_menu(user=request.user),
        },
    )
