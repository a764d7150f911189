"""投诉建议 in the portal (/me/feedback/): a short form and the account's own
submissions with their status and answer. Any signed-in account (member,
secretary, lecturer, editor); signed out, the sign-in page first.

Thin: the rules are ``feedback.services`` and ``feedback.selectors``, the same the
API calls; a refusal is shown with the status its kind maps to and the form keeps
what was typed.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dangke.api_errors import status_for
from dangke.errors import DomainError
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.models import TEXT_MAX, Feedback
from themes.rendering import render_portal


def _page_id(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feedback_view(request: HttpRequest) -> HttpResponse:
    """The form (GET; ``?page=<id>`` names the page it concerns) and a
    submission (POST), then the account's submissions, newest first."""
    error, status = "", 200
    typed = {
        "category": Feedback.Category.SUGGESTION,
        "text": "",
        "contact_preference": Feedback.Contact.PORTAL,
        "contact": "",
        "page": request.GET.get("page", "")[:12],
    }
    if request.method == "POST":
        typed = {
            key: request.POST.get(key, default)[: TEXT_MAX * 2]
            for key, default in typed.items()
        }
        try:
            feedback_services.feedback_submit(
                user=request.user,
                category=typed["category"],
                text=typed["text"],
                contact_preference=typed["contact_preference"],
                contact=typed["contact"],
                page_id=_page_id(typed["page"]),
            )
        except DomainError as refusal:
            error, status = refusal.detail, status_for(refusal)
        else:
            return HttpResponseRedirect(reverse("portal:feedback") + "?done=1")
    return render_portal(
        request,
        "feedback.html",
        {
            "typed": typed,
            "categories": Feedback.Category.choices,
            "contacts": Feedback.Contact.choices,
            "text_max": TEXT_MAX,
            "items": feedback_selectors.feedback_of_submitter(user=request.user)[:50],
            "done": request.GET.get("done") == "1" and not error,
            "error": error,
        },
        status=status,
    )
