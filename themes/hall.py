"""What the hall screens share: the check-in screen's state (code, QR code, count),
as the page's context and as the JSON its script polls (the same view answers
``Accept: application/json``), so there is one source for both."""

from __future__ import annotations

import base64
from datetime import datetime

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from dangke.links import qr_png
from themes.rendering import render_portal


def wants_json(request: HttpRequest) -> bool:
    """The screen's script asks for its state; a browser opening the page does
    not."""
    return "application/json" in request.headers.get("Accept", "")


def checkin_state(
    *,
    code: str,
    expires_at: datetime,
    url: str,
    present: int,
    expected: int | None,
    now: datetime | None = None,
) -> dict:
    """The check-in screen now: the code and when it is replaced, the QR code of
    ``url`` (a PNG, base64) and how many have checked in (of ``expected``)."""
    now = now or timezone.now()
    return {
        "code": code,
        "expires_at": expires_at.isoformat(),
        "seconds_left": max(1, int((expires_at - now).total_seconds()) + 1),
        "server_time": now.isoformat(),
        "url": url,
        "qr_png": base64.b64encode(qr_png(url, box_size=10, border=4)).decode(),
        "present": present,
        "expected": expected,
    }


def checkin_screen(
    request: HttpRequest, template: str, state: dict, context: dict
) -> HttpResponse:
    """The check-in screen's page, or its state as JSON for its script; never
    cached (the code rotates)."""
    if wants_json(request):
        response: HttpResponse = JsonResponse(state)
    else:
        response = render_portal(request, template, {**context, **state})
    response["Cache-Control"] = "no-store"
    return response
