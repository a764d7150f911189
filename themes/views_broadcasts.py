"""直播: a member's live lectures — the list, and one lecture's page: a countdown
before the start, the live player (HLS at the live edge, heartbeats counting the
member's presence) while live, the replay after the end.

Thin: the rules are ``broadcasts.services`` and ``broadcasts.selectors``, the same
the API calls.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from broadcasts import selectors as broadcast_selectors
from dangke.errors import NotFound
from learning import selectors as learning_selectors
from themes.rendering import render_portal


@never_cache
@login_required
def broadcasts_view(request: HttpRequest) -> HttpResponse:
    """Live now, coming up and past lectures of the member's audience."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return render_portal(
            request, "broadcasts/list.html", {"not_member": True}, status=403
        )
    now = timezone.now()
    lectures = list(
        broadcast_selectors.lectures_for_member(member=member).order_by("starts_at")
    )
    return render_portal(
        request,
        "broadcasts/list.html",
        {
            "live": [x for x in lectures if x.status == "live"],
            "coming": [x for x in lectures if x.status == "scheduled"],
            "past": list(reversed([x for x in lectures if x.status == "ended"]))[:20],
            "now": now,
        },
    )


@never_cache
@login_required
def broadcast_view(request: HttpRequest, lecture_id: int) -> HttpResponse:
    """One lecture: countdown, live player or replay, by its state."""
    try:
        lecture = broadcast_selectors.lecture_for_user(
            user=request.user, lecture_id=lecture_id
        )
    except NotFound:
        raise Http404("没有这场直播，或它不面向您") from None
    member = learning_selectors.member_for_user(user=request.user)
    replay = lecture.recording_lesson
    presence = (
        broadcast_selectors.presence_of(member=member, lecture=lecture)
        if member
        else None
    )
    return render_portal(
        request,
        "broadcasts/lecture.html",
        {
            "lecture": lecture,
            "playlist_url": broadcast_selectors.live_playlist_url(lecture=lecture),
            "replay": replay if replay is not None and replay.live else None,
            "presence": presence,
            "member": member,
            "needed_seconds": broadcast_selectors.attendance_needed_seconds(
                lecture=lecture, live_seconds=lecture.expected_minutes * 60
            ),
        },
    )
