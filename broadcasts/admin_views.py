"""The organiser's page of a live lecture in the admin: the RTMP URL and stream key
for OBS (rotate, revoke) and who was present, where, how long — late joiners and
early leavers marked, the audience never seen listed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from broadcasts import selectors, services
from broadcasts.errors import BroadcastError
from broadcasts.models import LiveLecture

PERMISSION = "broadcasts.view_livelecture"


@require_http_methods(["GET", "POST"])
def lecture_view(request: HttpRequest, live_lecture_id: int) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    lecture = (
        LiveLecture.objects.select_related("organisation", "lecturer", "meeting")
        .filter(pk=live_lecture_id)
        .first()
    )
    if lecture is None or not selectors.lecture_is_managed_by(
        user=request.user, lecture=lecture
    ):
        raise Http404("没有这场直播，或不在您管理的范围内")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rotate":
                services.stream_key_rotate(user=request.user, lecture=lecture)
                messages.success(request, "已生成新的推流密钥，旧密钥立即失效")
            elif action == "revoke":
                services.stream_key_revoke(user=request.user, lecture=lecture)
                messages.success(request, "推流密钥已吊销")
            elif action == "cancel":
                services.lecture_cancel(user=request.user, lecture=lecture)
                messages.success(request, "直播已取消")
        except BroadcastError as refusal:
            messages.error(request, refusal.detail)
        return HttpResponseRedirect(
            reverse("broadcasts_admin_lecture", args=[lecture.pk])
        )
    opens, closes = selectors.publish_window(lecture=lecture)
    return render(
        request,
        "broadcasts/admin/lecture.html",
        {
            "page_title": lecture.title,
            "lecture": lecture,
            "rtmp_url": services.stream_url(lecture=lecture),
            "window_opens": opens,
            "window_closes": closes,
            "report": selectors.lecture_presence_report(lecture=lecture),
        },
    )
