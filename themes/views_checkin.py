"""签到: a member checks in at an offline class session with the six-digit code shown
at the venue (typed, or read from the venue's QR code by ``checkin.js``).

The rules (the check-in window, the rotating code, what attendance earns) are
learning's: this view lists the sessions whose window is open now, calls
``learning.services.session_check_in`` and shows its answer or its refusal.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.errors import DomainError, NotPermitted
from dangke.ratelimit import rate_limit_exceeded
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Attendance, Member, TrainingSession
from themes.rendering import render_portal


def _session_id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _attendance(member: Member, session_id: int | None) -> Attendance | None:
    if session_id is None:
        return None
    return (
        Attendance.objects.filter(member=member, session_id=session_id)
        .select_related("session__training_class", "session__teaching_site")
        .first()
    )


def _not_listed_notice(member: Member, session_id: int, context: dict) -> None:
    """Why a session asked for (``?session=``, e.g. from the venue's QR code) is not
    in the list: it is not the member's class (a refusal, shown as the error), not
    open now, or does not exist (a notice)."""
    session = (
        TrainingSession.objects.select_related("training_class__organisation")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        context["notice"] = "没有这个课次，请从列表中选择"
        return
    try:
        learning_services.session_check_in_allowed(member=member, session=session)
    except NotPermitted as refusal:
        context["error"] = refusal.detail
        return
    context["notice"] = (
        f"“{session}”当前不在签到时间内（开课前 {context['early_minutes']} 分钟至结束）"
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def checkin_view(request: HttpRequest) -> HttpResponse:
    """The check-in form (GET, ``?session=<id>`` preselects a session) and the
    check-in itself (POST); after a check-in, the record (``?checked_in=<id>``)."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return render_portal(request, "checkin.html", {"not_member": True}, status=403)

    sessions = learning_selectors.sessions_open_for_checkin(member=member)
    context: dict = {
        "sessions": sessions,
        "selected": _session_id(request.GET.get("session")),
        "error": "",
        "attendance": None,
        "notice": "",
        "early_minutes": int(learning_services.CHECKIN_EARLY.total_seconds() // 60),
    }
    status = 200
    if request.method == "POST":
        selected = _session_id(request.POST.get("session"))
        code = (request.POST.get("code") or "").strip()[:32]
        context["selected"] = selected
        session = (
            TrainingSession.objects.select_related("training_class__organisation")
            .filter(pk=selected)
            .first()
            if selected is not None
            else None
        )
        if rate_limit_exceeded(
            bucket="checkin",
            who=request.user.pk,
            limit=settings.LEARNING_CHECKINS_PER_MINUTE,
        ):
            context["error"] = "签到尝试过于频繁，请一分钟后再试"
            status = 429
        elif session is None:
            context["error"] = "请选择要签到的课次"
            status = 400
        elif not code:
            context["error"] = "请输入签到码（6 位数字）"
            status = 400
        else:
            try:
                learning_services.session_check_in(
                    member=member, session=session, code=code
                )
            except NotPermitted as refusal:
                context["error"] = refusal.detail
                status = 403
            except DomainError as refusal:
                context["error"] = refusal.detail
                status = 400
            else:
                return HttpResponseRedirect(
                    f"{reverse('portal:checkin')}?checked_in={session.pk}"
                )
    else:
        context["attendance"] = _attendance(
            member, _session_id(request.GET.get("checked_in"))
        )
        selected = context["selected"]
        if selected is not None and selected not in {s.pk for s in sessions}:
            _not_listed_notice(member, selected, context)
    return render_portal(request, "checkin.html", context, status=status)
