"""签到: a member checks in at an offline class session with the six-digit code shown
at the venue: typed, read from the venue's QR code by ``checkin.js``, or by opening
the QR code's URL (``?session=&code=&t=``) with a phone's camera or WeChat's
scanner, which checks in at once after sign-in. And the venue's hall screen.

The rules (the check-in window, the rotating code, what attendance earns) are
learning's, and so is the limit on tries per minute, shared with the API: this view
lists the sessions whose window is open now (the only one chosen already; the code
box only when one is open) and those coming up, calls
``learning.services.checkin_attempt`` and shows its answer or its refusal.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.errors import DomainError, NotFound, NotPermitted, RateLimited
from learning import selectors as learning_selectors
from learning import services as learning_services
from learning.models import Attendance, Member
from themes.hall import checkin_screen, checkin_state
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


def _step(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None


def _expired_qr(session_id: int | None, code: str, step: int | None) -> str:
    """The refusal for a photo of an old QR code: its code was right when the
    screen showed it (step ``t`` of the URL) and has been replaced since; empty
    when the code was never this session's (a plain wrong code)."""
    session = learning_selectors.training_session_find(session_id=session_id)
    if session is None or step is None:
        return ""
    if not learning_services.checkin_code_shown_at(
        session=session, code=code, step=step
    ):
        return ""
    shown = timezone.localtime(
        datetime.fromtimestamp(step * learning_services.CHECKIN_STEP_SECONDS, tz=UTC)
    )
    return (
        f"这个二维码已过期（{shown:%H:%M} 时屏幕上显示的），签到码每 30 秒更新，"
        "请扫描现场屏幕上最新的二维码"
    )


def _attempt(
    member: Member, selected: int | None, code: str, step: int | None, context: dict
) -> tuple[Attendance | None, int]:
    """Check in (typed or from a QR code's URL): the attendance, or the refusal
    written into ``context`` with its status."""
    try:
        attendance = learning_services.checkin_attempt(
            member=member, session_id=selected, code=code
        )
    except RateLimited as refusal:
        context["error"] = refusal.detail
        return None, 429
    except NotFound:
        context["error"] = "请选择要签到的课次"
        return None, 400
    except NotPermitted as refusal:
        context["error"] = refusal.detail
        return None, 403
    except DomainError as refusal:
        # A wrong or expired code from a QR code's URL may be a photo of an old one.
        expired = (
            _expired_qr(selected, code, step)
            if refusal.code in {"wrong_code", "expired"}
            else ""
        )
        context["error"] = expired or (
            "请输入签到码（6 位数字）" if not code else refusal.detail
        )
        return None, 400
    return attendance, 200


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def checkin_view(request: HttpRequest) -> HttpResponse:
    """The check-in form (GET, ``?session=<id>`` preselects a session), the
    check-in itself (POST, or GET with ``session`` and ``code``: the venue's QR
    code, opened after sign-in) and, after a check-in, the record
    (``?checked_in=<id>``)."""
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
    scanned = request.method == "GET" and "code" in request.GET
    if request.method == "POST" or scanned:
        data = request.POST if request.method == "POST" else request.GET
        selected = _session_id(data.get("session"))
        code = (data.get("code") or "").strip()[:32]
        context["selected"] = selected
        attendance, status = _attempt(
            member, selected, code, _step(data.get("t")), context
        )
        if attendance is not None:
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


@never_cache
@login_required
def session_screen_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """The check-in screen of a training session for the venue's projector
    (1920×1080, outside the portal's chrome): the rotating code, its QR code (the
    portal's check-in URL) and how many have checked in, kept current by
    ``hall.js`` from this view's JSON (``Accept: application/json``). For staff
    who may show the session's code (``learning.selectors.session_screen_shown_to``,
    the admin's rule)."""
    session = learning_selectors.training_session_find(session_id=session_id)
    if session is None or not learning_selectors.session_screen_shown_to(
        user=request.user, session=session
    ):
        raise Http404("没有这个课次，或您无权显示它的签到码")
    now = timezone.now()
    state = checkin_state(
        code=learning_services.checkin_code(session=session, at=now),
        expires_at=learning_services.checkin_code_expires_at(at=now),
        url=learning_services.checkin_url(session=session, request=request, at=now),
        present=learning_selectors.session_attendance_count(session=session),
        expected=None,
        now=now,
    )
    return checkin_screen(
        request,
        "session_screen.html",
        state,
        {"session": session, "state_url": request.path, "where": "签到"},
    )
