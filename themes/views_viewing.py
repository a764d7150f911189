"""集中收看 in the portal: the room's hall screen, the secretary's page that
confirms a screen's device code, and the members' room check-in (scan → page →
check in).

The screen (``viewing_screen``) is open: a screen without a device token shows a
short device code (and a QR code of the confirm page with the code filled in);
once the secretary confirmed it, its next request exchanges the pairing cookie
for the device token and it becomes the room's screen: the live lecture full
screen (the live player's signed HLS URL), the rotating check-in code with its QR
code, the head-count, and a beat every 15 s (``viewing_screen_beat``). The same
view answers its script's polls with JSON (``Accept: application/json``).

Every rule is ``viewing.services`` / ``viewing.selectors``; these views only
translate HTTP.
"""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from broadcasts import selectors as broadcasts_selectors
from dangke.api_errors import status_for
from dangke.errors import DomainError
from dangke.links import portal_url, qr_png
from learning.selectors import member_for_user
from themes.hall import checkin_screen, checkin_state
from themes.rendering import render_portal
from viewing import selectors, services
from viewing.models import RoomCheckin, RoomScreen
from viewing.services import ScreenCredential

BEAT_SECONDS = 15
BEAT_PATH = "/api/v3/viewing/screen/beats"  # viewing_screen_beat


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _set_screen_cookie(
    request: HttpRequest, response: HttpResponse, credential: ScreenCredential
) -> HttpResponse:
    response.set_cookie(
        services.SCREEN_COOKIE,
        credential.cookie,
        max_age=services.SCREEN_COOKIE_AGE,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure(),
    )
    return response


def _pairing_state(request: HttpRequest, screen: RoomScreen) -> dict:
    confirm_url = portal_url(
        reverse("portal:viewing_pair"),
        request=request,
        query={"code": screen.device_code},
    )
    return {
        "mode": "pairing",
        "device_code": screen.device_code,
        "expires_at": screen.expires_at.isoformat(),
        "confirm_url": confirm_url,
        "qr_png": base64.b64encode(qr_png(confirm_url, box_size=8)).decode(),
    }


def _room_state(request: HttpRequest, screen: RoomScreen) -> dict:
    room = screen.room
    now = timezone.now()
    services.screen_seen(screen=screen, now=now)
    lecture = selectors.room_lecture_current(room=room, now=now)
    live = lecture is not None and lecture.status == lecture.Status.LIVE
    upcoming = None if lecture else selectors.room_lecture_next(room=room, now=now)
    code, expires_at = services.room_checkin_code(room=room, at=now)
    state = checkin_state(
        code=code,
        expires_at=expires_at,
        url=services.room_checkin_url(room=room, request=request, code=code),
        present=selectors.room_headcount(room=room, lecture=lecture),
        expected=None,
        now=now,
    )
    return {
        **state,
        "mode": "room",
        "room": room.pk,
        "room_name": room.name,
        "lecture": lecture.pk if lecture else None,
        "lecture_title": lecture.title if lecture else "",
        "live": live,
        "starts_at": lecture.starts_at.isoformat() if lecture else None,
        "playlist_url": (
            broadcasts_selectors.live_playlist_url(lecture=lecture) if live else None
        ),
        "upcoming_title": upcoming.title if upcoming else "",
        "upcoming_starts_at": upcoming.starts_at if upcoming else None,
        "beat_url": BEAT_PATH,
        "beat_seconds": BEAT_SECONDS,
    }


@never_cache
@require_http_methods(["GET"])
def screen_view(request: HttpRequest) -> HttpResponse:
    """The room's hall screen (open: the device token decides): a device code to
    confirm, or the room's live lecture with its check-in code."""
    screen = services.screen_from_cookie(
        value=request.COOKIES.get(services.SCREEN_COOKIE)
    )
    issued = None
    if screen is not None and screen.confirmed_at and not screen.token_issued_at:
        issued = services.screen_token_issue(screen=screen)
        screen = issued.screen if issued else None
    now = timezone.now()
    started = None
    if screen is None or (screen.confirmed_at is None and screen.expires_at <= now):
        try:
            started = services.screen_start(address=_client_address(request))
        except DomainError as refusal:
            return render_portal(
                request,
                "viewing/screen_refused.html",
                {"error": refusal.detail},
                status=status_for(refusal),
            )
        screen = started.screen
    if screen.confirmed_at is None:
        state = _pairing_state(request, screen)
        template = "viewing/screen_pairing.html"
    else:
        state = _room_state(request, screen)
        template = "viewing/screen_room.html"
    context = {"screen": screen, "state_url": request.path, "where": "集中收看签到"}
    response = checkin_screen(request, template, state, context)
    credential = started or issued
    if credential is not None:
        _set_screen_cookie(request, response, credential)
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def pair_view(request: HttpRequest) -> HttpResponse:
    """The secretary's page (from a phone): the device code the screen shows
    (filled in from the screen's QR code) and the room to bind it to."""
    rooms = list(selectors.rooms_managed_by(user=request.user).order_by("name"))
    context: dict = {
        "rooms": rooms,
        "code": services.device_code_normalise(request.GET.get("code")),
        "selected": None,
        "error": "",
        "screen": None,
    }
    status = 200
    if request.method == "POST":
        context["code"] = services.device_code_normalise(request.POST.get("code"))
        raw_room = (request.POST.get("room") or "").strip()
        room_id = int(raw_room) if raw_room.isdigit() and len(raw_room) < 10 else None
        context["selected"] = room_id
        try:
            room = selectors.room_managed_by(user=request.user, room_id=room_id or 0)
            screen = services.screen_confirm(
                user=request.user, device_code=context["code"], room=room
            )
        except DomainError as refusal:
            context["error"] = refusal.detail
            status = status_for(refusal)
        else:
            return HttpResponseRedirect(
                f"{reverse('portal:viewing_pair')}?confirmed={screen.pk}"
            )
    else:
        confirmed = (request.GET.get("confirmed") or "").strip()
        if confirmed.isdigit() and len(confirmed) < 10:
            context["screen"] = (
                RoomScreen.objects.filter(
                    pk=int(confirmed),
                    room__in=rooms,
                    confirmed_at__isnull=False,
                )
                .select_related("room")
                .first()
            )
    return render_portal(request, "viewing/pair.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def checkin_view(request: HttpRequest, room_id: int) -> HttpResponse:
    """A member checks in at the room (GET with ``code``: the screen's QR code,
    opened after sign-in; POST: the code typed) and sees their check-in."""
    room = selectors.room_find(room_id=room_id)
    if room is None:
        raise Http404("没有这个收看点")
    member = member_for_user(user=request.user)
    context: dict = {
        "room": room,
        "lecture": selectors.room_lecture_current(room=room),
        "error": "",
        "checkin": None,
        "not_member": member is None,
        "left": request.GET.get("left") == "1",
    }
    if member is None:
        return render_portal(request, "viewing/checkin.html", context, status=403)
    status = 200
    scanned = request.method == "GET" and "code" in request.GET
    if request.method == "POST" and request.POST.get("action") == "leave":
        services.room_check_out(member=member, room=room)
        return HttpResponseRedirect(
            reverse("portal:viewing_checkin", args=[room.pk]) + "?left=1"
        )
    if request.method == "POST" or scanned:
        data = request.POST if request.method == "POST" else request.GET
        code = (data.get("code") or "").strip()[:32]
        try:
            services.room_check_in(member=member, room=room, code=code)
        except DomainError as refusal:
            context["error"] = refusal.detail
            status = status_for(refusal)
        else:
            return HttpResponseRedirect(
                reverse("portal:viewing_checkin", args=[room.pk]) + "?done=1"
            )
    if context["lecture"] is not None:
        context["checkin"] = (
            RoomCheckin.objects.filter(
                room=room,
                lecture=context["lecture"],
                member_id=member.pk,
                left_at__isnull=True,
            )
            .select_related("lecture")
            .first()
        )
    return render_portal(request, "viewing/checkin.html", context, status=status)
