"""签到: a member checks in at an offline class session with the six-digit code shown
at the venue (typed, or read from the venue's QR code by ``checkin.js``).

The rules (the check-in window, the rotating code, what attendance earns) are
learning's, and so is the limit on tries per minute, shared with the API: this view
lists the sessions whose window is open now (the only one chosen already; the code
box only when one is open) and those coming up, calls
``learning.services.checkin_attempt`` and shows its answer or its refusal.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.errors import DomainError, NotFound, NotPermitted, RateLimited
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Attendance, Member
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
    session = learning_selectors.training_session_find(session_id=session_id)
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
    only = sessions[0].pk if len(sessions) == 1 else None
    context: dict = {
        "sessions": sessions,
        "upcoming": learning_selectors.sessions_upcoming_for_checkin(member=member),
        # One session open: it is the one (a link may still name another).
        "selected": _session_id(request.GET.get("session")) or only,
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
        try:
            attendance = learning_services.checkin_attempt(
                member=member, session_id=selected, code=code
            )
        except RateLimited as refusal:
            context["error"] = refusal.detail
            status = 429
        except NotFound:
            context["error"] = "请选择要签到的课次"
            status = 400
        except NotPermitted as refusal:
            context["error"] = refusal.detail
            status = 403
        except DomainError as refusal:
            context["error"] = (
                "请输入签到码（6 位数字）" if not code else refusal.detail
            )
            status = 400
        else:
            return HttpResponseRedirect(
                f"{reverse('portal:checkin')}?checked_in={attendance.session_id}"
            )
    else:
        context["attendance"] = _attendance(
            member, _session_id(request.GET.get("checked_in"))
        )
        selected = context["selected"]
        if selected is not None and selected not in {s.pk for s in sessions}:
            _not_listed_notice(member, selected, context)
    return render_portal(request, "checkin.html", context, status=status)
