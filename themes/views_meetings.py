"""我的会议: a member's meetings (organisation life) and notices in the portal —
each meeting with its time, place and agenda, the member's own attendance, leave
(请假), check-in with the code shown at the meeting (the meeting screen's QR code
opens this page with ``?code=`` and checks in at once after sign-in), 补学 and, where the member may read them, the minutes.

Thin: the rules are ``meetings.services`` and ``meetings.selectors``, the same
the API calls; a refusal is shown with the status its kind maps to.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.api_errors import status_for
from dangke.errors import DomainError, NotFound
from learning import selectors as learning_selectors
from meetings import selectors as meeting_selectors
from meetings import services as meeting_services
from notices import services as notice_services
from themes.hall import checkin_screen, checkin_state
from themes.rendering import render_portal

ACTIONS = {"leave", "checkin", "makeup"}
DONE = {"leave": "已提交请假申请", "checkin": "签到成功", "makeup": "已登记补学"}


@never_cache
@login_required
def meetings_view(request: HttpRequest) -> HttpResponse:
    """The member's meetings (coming first, then held) and their notices."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return render_portal(request, "meetings.html", {"not_member": True}, status=403)
    now = timezone.now()
    meetings = list(meeting_selectors.meetings_for_member(member=member))
    return render_portal(
        request,
        "meetings.html",
        {
            "coming": [m for m in meetings if m.ends_at >= now],
            "held": list(reversed([m for m in meetings if m.ends_at < now])),
            "notices": notice_services.notices_for(user=request.user, limit=20),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def meeting_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """One meeting (GET) and the member's actions on it (POST ``action``: leave,
    checkin or makeup)."""
    try:
        meeting = meeting_selectors.meeting_for_user(
            user=request.user, meeting_id=meeting_id
        )
    except NotFound:
        raise Http404("没有这个会议，或您未受邀参加") from None
    error, status = "", 200
    # The QR code on the meeting's screen opens this page with ``?code=``: the
    # check-in happens at once (after sign-in), as if 签到 had been pressed.
    scanned = request.method == "GET" and bool(request.GET.get("code"))
    if request.method == "POST" or scanned:
        data = request.POST if request.method == "POST" else request.GET
        action = "checkin" if scanned else data.get("action", "")
        try:
            if action == "leave":
                meeting_services.leave_request(
                    user=request.user,
                    meeting=meeting,
                    reason=data.get("reason", "")[:200],
                )
            elif action == "checkin":
                meeting_services.meeting_check_in(
                    user=request.user,
                    meeting=meeting,
                    code=data.get("code", "")[:12],
                    online=data.get("online") == "1",
                )
            elif action == "makeup":
                meeting_services.makeup_claim(user=request.user, meeting=meeting)
            else:
                raise DomainError("未知的操作", code="unknown_action")
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            url = reverse("portal:meeting", args=[meeting.pk])
            return HttpResponseRedirect(f"{url}?done={action}")
    attendee = meeting_selectors.meeting_attendee(user=request.user, meeting=meeting)
    readable = meeting_selectors.minutes_readable_by(user=request.user, meeting=meeting)
    revisions = list(meeting.minutes_revisions.order_by("number")) if readable else []
    opens, closes = meeting_selectors.meeting_checkin_window(meeting=meeting)
    now = timezone.now()
    return render_portal(
        request,
        "meeting.html",
        {
            "meeting": meeting,
            "attendee": attendee,
            "runs": meeting_selectors.meeting_is_run_by(
                user=request.user, meeting=meeting
            ),
            "minutes": revisions[-1] if revisions else None,
            "resolutions": list(meeting.resolutions.select_related("owner"))
            if readable
            else [],
            "checkin_open": opens <= now <= closes,
            "leave_open": now < meeting.starts_at,
            "makeup_open": bool(meeting.makeup_lesson_id) and now > meeting.ends_at,
            "code": (request.GET.get("code") or "")[:12],
            "done": DONE.get(request.GET.get("done", ""), ""),
            "error": error,
        },
        status=status,
    )


@never_cache
@login_required
def meeting_screen_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The check-in screen shown at the meeting (1920×1080, outside the portal's
    chrome): the current code, its QR code (the portal's https check-in URL) and
    how many have checked in of those expected, kept current by ``hall.js`` from
    this view's JSON (``Accept: application/json``). For the host, the recorder
    and administrators."""
    try:
        meeting = meeting_selectors.meeting_for_user(
            user=request.user, meeting_id=meeting_id
        )
        now = timezone.now()
        code, expires_at = meeting_services.meeting_checkin_code(
            user=request.user, meeting=meeting, at=now
        )
    except NotFound:
        raise Http404("没有这个会议，或您未受邀参加") from None
    except DomainError as refusal:
        return HttpResponse(refusal.detail, status=status_for(refusal))
    state = checkin_state(
        code=code,
        expires_at=expires_at,
        url=meeting_services.meeting_checkin_url(
            meeting=meeting, request=request, code=code
        ),
        present=meeting.attendees.exclude(attendance="").count(),
        expected=meeting.attendees.filter(guest=False).count(),
        now=now,
    )
    return checkin_screen(
        request,
        "meeting_screen.html",
        state,
        {"meeting": meeting, "state_url": request.path, "where": "我的会议"},
    )
