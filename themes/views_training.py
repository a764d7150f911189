"""我的培训班: a member's training classes in the portal — the classes they are
enrolled in or applied to, those open to apply, and one class with its timetable
(sessions, the member's attendance), application, leave and 补签 and their standing
against the completion rule.

Thin: the rules are ``training.services`` and ``training.selectors``, the same the
API calls; a refusal is shown with the status its kind maps to.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.api_errors import status_for
from dangke.errors import DomainError
from learning import selectors as learning_selectors
from learning.models import TrainingSession
from themes.rendering import render_portal
from training import selectors as training_selectors
from training import services as training_services

DONE = {
    "apply": "已提交报名，等待主办党组织审核",
    "leave": "已提交请假申请",
    "late_entry": "已提交补签申请",
}


@never_cache
@login_required
def training_classes_view(request: HttpRequest) -> HttpResponse:
    """The member's classes (报名/已报名/已结业) and the classes open to apply."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return render_portal(
            request, "training_classes.html", {"not_member": True}, status=403
        )
    enrolments = list(training_selectors.enrolments_of_member(member=member))
    completed = set(
        member.class_completions.values_list("training_class_id", flat=True)
    )
    rows = []
    for enrolment in enrolments:
        training_class = enrolment.training_class
        state = training_selectors.class_state(training_class=training_class)
        rows.append(
            {
                "class": training_class,
                "enrolment": enrolment,
                "state": training_selectors.CLASS_STATE_LABELS[state],
                "completed": training_class.pk in completed,
            }
        )
    return render_portal(
        request,
        "training_classes.html",
        {
            "rows": rows,
            "open": training_selectors.classes_open_to_member(member=member)[:50],
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def training_class_view(request: HttpRequest, class_id: int) -> HttpResponse:
    """One class: its timetable and the member's actions (POST ``action``: apply,
    or ``request`` with ``kind`` leave / late_entry and ``session``)."""
    member = learning_selectors.member_for_user(user=request.user)
    if member is None:
        return render_portal(
            request, "training_classes.html", {"not_member": True}, status=403
        )
    training_class = training_selectors.class_for_user(
        user=request.user, class_id=class_id
    )
    if training_class is None:
        raise Http404("没有这个培训班，或您不在参训范围内")
    error, status = "", 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "apply":
                training_services.class_apply(
                    member=member,
                    training_class=training_class,
                    reason=request.POST.get("reason", "")[:200],
                )
                done = "apply"
            elif action == "request":
                session = TrainingSession.objects.filter(
                    pk=_int(request.POST.get("session")),
                    training_class=training_class,
                ).first()
                if session is None:
                    raise Http404("没有这个课次")
                kind = request.POST.get("kind", "")
                training_services.session_request_ask(
                    member=member,
                    session=session,
                    kind=kind,
                    reason=request.POST.get("reason", "")[:200],
                )
                done = kind
            else:
                error, status = "未知操作", 400
                done = ""
            if not error:
                url = reverse("portal:training_class", args=[training_class.pk])
                return HttpResponseRedirect(f"{url}?done={done}")
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
    data = training_selectors.class_summary(
        user=request.user, training_class=training_class, organiser=False
    )
    standing = None
    if data["enrolment"] and data["enrolment"]["status"] == "enrolled":
        standing = training_selectors.class_standings(
            training_class=training_class, members=[member]
        )[0]
    return render_portal(
        request,
        "training_class.html",
        {
            "training_class": training_class,
            "data": data,
            "standing": standing,
            "may_apply": data["enrolment"] is None
            and data["state"] in ("enrolling", "running")
            and training_class.enrolment != "organisation",
            "done": DONE.get(request.GET.get("done", ""), ""),
            "error": error,
        },
        status=status,
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
