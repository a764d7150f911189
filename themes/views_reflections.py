"""心得体会 in the portal: 写心得 after a lesson, a class or a meeting (linked from
their pages with ``?kind=&target=``), 我的心得 with the secretaries' replies and the
优秀 ones shared in the member's organisations, and the secretary's reading list on
the phone (reply, mark 优秀). Writing is optional: never required for any credit.

Thin: the rules are ``reflections.services`` and ``reflections.selectors``, the
same the API calls; a refusal is shown with the status its kind maps to and the
form keeps what was typed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.api_errors import status_for
from dangke.errors import DomainError
from learning import selectors as learning_selectors
from reflections import selectors, services
from reflections.models import REPLY_MAX, TEXT_MAX, Reflection
from themes.rendering import render_portal

FORM_MAX = TEXT_MAX * 2  # what is kept of a posted field to show it again


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def _not_member(request: HttpRequest) -> HttpResponse:
    return _refused(request, "当前账号不是党员，没有心得体会。", 403)


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render_portal(
        request, "reflections/refused.html", {"message": message}, status=status
    )


@never_cache
@login_required
def reflections_view(request: HttpRequest) -> HttpResponse:
    """我的心得: the member's reflections with replies, and the 优秀 ones shared
    within their organisations (the author's name only where agreed)."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return _not_member(request)
    shared = [
        (r, selectors.reflection_author_label(reflection=r, reader_kind="shared"))
        for r in selectors.reflections_shared_with(member=member)[:50]
    ]
    return render_portal(
        request,
        "reflections/mine.html",
        {
            "items": selectors.reflections_of_author(member=member)[:100],
            "shared": shared,
            "reads": selectors.user_reads_reflections(user=request.user),
            "done": request.GET.get("done") == "1",
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reflection_write_view(request: HttpRequest) -> HttpResponse:
    """写心得 about ``?kind=&target=`` (GET: the form, with what was written
    before; POST: keep it, then 我的心得)."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return _not_member(request)
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", "")[:16]
    target_id = _int(source.get("target", ""))
    error, status, target = "", 200, None
    try:
        target = selectors.reflection_target_find(
            member=member, kind=kind, target_id=target_id or 0
        )
    except DomainError as refusal:
        error, status = refusal.detail, status_for(refusal)
    existing = (
        selectors.reflection_of_author_for_target(
            member=member, kind=kind, target_id=target.id
        )
        if target
        else None
    )
    typed = {
        "text": existing.text if existing else "",
        "show_name": existing.show_name if existing else False,
    }
    if request.method == "POST" and target is not None:
        typed = {
            "text": request.POST.get("text", "")[:FORM_MAX],
            "show_name": request.POST.get("show_name") == "1",
        }
        try:
            if existing is None:
                services.reflection_write(
                    user=request.user,
                    kind=kind,
                    target_id=target.id,
                    text=typed["text"],
                    show_name=typed["show_name"],
                )
            else:
                services.reflection_edit(
                    user=request.user,
                    reflection_id=existing.pk,
                    text=typed["text"],
                    show_name=typed["show_name"],
                )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(reverse("portal:reflections") + "?done=1")
    return render_portal(
        request,
        "reflections/write.html",
        {
            "target": target,
            "kind": kind,
            "existing": existing,
            "typed": typed,
            "text_max": TEXT_MAX,
            "error": error,
        },
        status=status,
    )


@never_cache
@login_required
def reflections_to_read_view(request: HttpRequest) -> HttpResponse:
    """The secretary's reading list: reflections of members of the subtrees they
    administer, those without a reply first."""
    if not selectors.user_reads_reflections(user=request.user):
        return _refused(
            request, "只有党组织书记（组织管理员）可以阅读党员的心得体会。", 403
        )
    items = selectors.reflections_read_by(user=request.user)
    if request.GET.get("all") != "1":
        items = items.filter(reply="")
    year = timezone.localdate().year
    return render_portal(
        request,
        "reflections/to_read.html",
        {
            "items": items[:100],
            "all": request.GET.get("all") == "1",
            "year": year,
            "counts": selectors.reflection_counts_for_reader(
                user=request.user, year=year
            ),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reflection_review_view(request: HttpRequest, reflection_id: int) -> HttpResponse:
    """One reflection a secretary reads (GET), and their reply or 优秀 mark (POST
    ``action``: reply or mark)."""
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "mark":
                services.reflection_mark(
                    user=request.user,
                    reflection_id=reflection_id,
                    excellent=request.POST.get("excellent") == "1",
                    shared_in_code=request.POST.get("shared_in", "")[:40] or None,
                )
            else:
                services.reflection_reply(
                    user=request.user,
                    reflection_id=reflection_id,
                    reply=request.POST.get("reply", "")[: REPLY_MAX * 2],
                )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(
                reverse("portal:reflection_review", args=[reflection_id]) + "?done=1"
            )
    reflection = (
        selectors.reflections_read_by(user=request.user)
        .filter(pk=reflection_id)
        .first()
    )
    if reflection is None:
        return _refused(
            request, f"心得体会 {reflection_id} 不存在，或不在您的管理范围内。", 404
        )
    return render_portal(
        request,
        "reflections/review.html",
        {
            "reflection": reflection,
            "choices": selectors.share_choices(
                user=request.user, reflection=reflection
            ),
            "reply_max": REPLY_MAX,
            "error": error,
            "done": request.GET.get("done") == "1" and not error,
            "kinds": dict(Reflection.Kind.choices),
        },
        status=status,
    )
