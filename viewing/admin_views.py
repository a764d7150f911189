"""The organiser's pages in the admin (集中收看): the rooms of one's subtree with
their screens and head-counts, registering a room, stopping a screen, and one
room's who-was-there per lecture.

Thin: every rule is ``viewing.services`` / ``viewing.selectors``, the same the API
calls; a refusal is shown on the page with the status its kind maps to, and
nothing is stored.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from dangke.api_errors import status_for
from dangke.errors import DomainError
from learning.selectors import organisations_administered
from viewing import selectors, services
from viewing.errors import OrganisationNotFound

PERMISSION = "learning.view_member"  # organisation administrators and editors


def _allowed(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied


def _lecture_id(request: HttpRequest) -> int | None:
    raw = (request.GET.get("lecture") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def index_view(request: HttpRequest) -> HttpResponse:
    """The rooms in the user's subtrees, their screens and showings; POST
    registers a room (``action=register``) or stops a screen (``action=revoke``)."""
    _allowed(request)
    context: dict = {
        "page_title": "集中收看",
        "error": "",
        "done": request.GET.get("done", ""),
        "form": {"name": "", "organisation": "", "address": ""},
    }
    status = 200
    if request.method == "POST":
        try:
            _act(request, context)
        except DomainError as refusal:
            context["error"] = refusal.detail
            status = status_for(refusal)
        else:
            return HttpResponseRedirect(f"{reverse('viewing_admin')}?done=1")
    administered = list(organisations_administered(user=request.user)[:1])
    if not context["form"]["organisation"] and administered:
        context["form"]["organisation"] = administered[0].code
    context["summaries"] = selectors.room_summaries(
        user=request.user, lecture_id=_lecture_id(request)
    )
    return render(request, "viewing/admin/index.html", context, status=status)


def _act(request: HttpRequest, context: dict) -> None:
    action = request.POST.get("action")
    if action == "register":
        form = {
            name: (request.POST.get(name) or "").strip()[:200]
            for name in ("name", "organisation", "address")
        }
        context["form"] = form
        organisation = selectors.organisation_managed_by(
            user=request.user, code=form["organisation"]
        )
        if organisation is None:
            raise OrganisationNotFound(
                f"没有组织代码为“{form['organisation']}”的党组织，或不在您的管理范围内"
            )
        services.room_register(
            user=request.user,
            name=form["name"],
            organisation=organisation,
            address=form["address"],
        )
    elif action == "revoke":
        room_id = _number(request.POST.get("room"))
        room = selectors.room_managed_by(user=request.user, room_id=room_id)
        services.screen_revoke(
            user=request.user, room=room, screen_id=_number(request.POST.get("screen"))
        )
    else:
        raise Http404("unknown action")


def _number(raw: str | None) -> int:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else 0


def room_view(request: HttpRequest, room_id: int) -> HttpResponse:
    """One room: its screens, its showings and who checked in, per lecture."""
    _allowed(request)
    try:
        room = selectors.room_managed_by(user=request.user, room_id=room_id)
    except DomainError as refusal:
        raise Http404(refusal.detail) from None
    lecture_id = _lecture_id(request)
    summary = next(
        s
        for s in selectors.room_summaries(user=request.user, lecture_id=lecture_id)
        if s.room.pk == room.pk
    )
    checkins = selectors.room_checkins(room=room, lecture_id=lecture_id)
    by_lecture: dict[int, dict] = {}
    for checkin in checkins:
        group = by_lecture.setdefault(
            checkin.lecture_id, {"lecture": checkin.lecture, "checkins": []}
        )
        group["checkins"].append(checkin)
    return render(
        request,
        "viewing/admin/room.html",
        {
            "page_title": f"集中收看：{room.name}",
            "room": room,
            "summary": summary,
            "groups": list(by_lecture.values()),
            "error": "",
            "done": "",
        },
    )
