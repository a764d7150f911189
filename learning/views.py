"""Admin views: imports, reports with bar charts and export, check-in screens."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from wagtail.admin.ui.tables import Column

from dangke.exports import FILE_FORMATS
from dangke.import_jobs import import_jobs_recent
from dangke.import_views import import_job_start
from dangke.links import qr_png
from learning import selectors, services
from learning.choices import MemberType
from learning.exports import report_response
from learning.forms import ImportForm, ReportForm
from learning.models import Organisation, TrainingSession
from learning.tasks import learning_import_task

LAGGARDS_PER_PAGE = 20


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


# --- imports --------------------------------------------------------------------


def import_view(request: HttpRequest) -> HttpResponse:
    """Upload an XLSX/CSV of organisations or members: the worker imports it (all
    rows or none) while the job's page shows the progress, then the counts or every
    bad row."""
    _require(request, "learning.add_member")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if kind == "organisations" and not request.user.has_perm(
            "learning.add_organisation"
        ):
            raise PermissionDenied
        return import_job_start(
            request,
            kind=services.MEMBERS_JOB
            if kind == "members"
            else services.ORGANISATIONS_JOB,
            upload=form.cleaned_data["file"],
            options={
                "within": selectors.organisation_paths_administered(user=request.user),
                "channel": "admin",
                "unit": "行",
                "title": "导入党组织/党员",
                "back_url": reverse("learning_import"),
            },
            task=learning_import_task,
        )
    return render(
        request,
        "learning/import.html",
        {
            "form": form,
            "jobs": import_jobs_recent(
                user=request.user,
                kinds=[services.ORGANISATIONS_JOB, services.MEMBERS_JOB],
            ),
            "page_title": "导入党组织/党员",
        },
    )


# --- reports --------------------------------------------------------------------


def report_view(request: HttpRequest) -> HttpResponse:
    """A report for an organisation node: totals, a bar per child organisation
    (links drill down), laggards paged, CSV/XLSX export."""
    _require(request, "learning.view_member")
    roots = list(selectors.organisations_administered(user=request.user))
    form = ReportForm(request.GET or None, roots=roots)
    context = {"form": form, "roots": roots, "page_title": "学习报表"}
    if not form.is_valid() and request.GET:
        if form.errors.keys() == {"organisation"}:
            # A code outside the user's scope (or none such): refused as before.
            raise PermissionDenied
        return render(request, "learning/report.html", context)
    data = dict(form.cleaned_data) if form.is_bound else {}
    defaults = []
    if not (data.get("course") or data.get("topic") or data.get("year")):
        # Opens on this year's compulsory courses, not a year's 学时 at 0 %.
        defaults = selectors.report_default_courses()
        data["course"] = defaults[0] if defaults else None
        if defaults and form.is_bound:
            form.data = form.data.copy()
            form.data["course"] = str(defaults[0].pk)
        elif defaults:
            form.initial["course"] = defaults[0].pk
    context["default_courses"] = defaults
    code = (data.get("organisation") or "").strip()
    if code:
        node = get_object_or_404(Organisation, code=code)
    elif roots:
        node = roots[0]
    else:
        return render(request, "learning/report.html", context)
    if not selectors.user_can_report_on(user=request.user, organisation=node):
        raise PermissionDenied
    kwargs = {
        "organisation": node,
        "course": data.get("course"),
        "topic": data.get("topic"),
        "year": data.get("year"),
    }
    export = request.GET.get("export")
    if export in FILE_FORMATS:
        report = selectors.report_build(**kwargs, laggards_limit=100_000)
        return report_response(
            report, report.laggards, export, actor=request.user, channel="admin"
        )
    page_number = _page_number(request)
    report = selectors.report_build(
        **kwargs,
        laggards_offset=(page_number - 1) * LAGGARDS_PER_PAGE,
        laggards_limit=LAGGARDS_PER_PAGE,
    )
    labels = dict(MemberType.choices)
    for laggard in report.laggards:
        laggard["member_type_label"] = labels.get(laggard["member_type"], "")
    paginator = Paginator(range(report.laggards_count), LAGGARDS_PER_PAGE)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    query["organisation"] = node.code
    drill = query.copy()
    context.update(
        {
            "report": report,
            "node": node,
            "ancestors": Organisation.objects.filter(
                path__in=selectors.organisation_prefixes(path=node.path)[:-1]
            ).order_by("path"),
            "page": paginator.get_page(page_number),
            "query": query.urlencode(),
            "drill_query": _without(drill, "organisation"),
        }
    )
    return render(request, "learning/report.html", context)


def _without(query, key: str) -> str:
    query = query.copy()
    query.pop(key, None)
    return query.urlencode()


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


# --- check-in -------------------------------------------------------------------


def _session_for(request: HttpRequest, session_id: int) -> TrainingSession:
    _require(request, "learning.view_trainingclass")
    session = get_object_or_404(
        TrainingSession.objects.select_related(
            "training_class__organisation", "teaching_site", "lecturer"
        ),
        pk=session_id,
    )
    if not selectors.session_screen_shown_to(user=request.user, session=session):
        raise PermissionDenied
    return session


def checkin_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """The check-in code in the admin: the current code and its QR image (the
    portal's check-in URL), reloading when the code rotates, with a link to the
    hall screen made for the venue's projector."""
    session = _session_for(request, session_id)
    now = timezone.now()
    expires_at = services.checkin_code_expires_at(at=now)
    return render(
        request,
        "learning/checkin.html",
        {
            "session": session,
            "code": services.checkin_code(session=session, at=now),
            "seconds_left": max(1, int((expires_at - now).total_seconds()) + 1),
            "attendance_count": selectors.session_attendance_count(session=session),
            "page_title": f"签到：{session}",
            "screen_url": reverse("portal:session_screen", args=[session.pk]),
            "qr_url": reverse("learning_checkin_qr", args=[session.pk])
            + f"?t={services.checkin_step(at=now)}",
        },
    )


def checkin_qr_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """A PNG QR code of the session's check-in URL with its current code."""
    session = _session_for(request, session_id)
    response = HttpResponse(
        qr_png(services.checkin_url(session=session, request=request), box_size=8),
        content_type="image/png",
    )
    response["Cache-Control"] = "no-store"
    return response


class SessionLinksColumn(Column):
    """Links from a training class row to each session's check-in screen."""

    def get_value(self, instance):
        return format_html_join(
            " ",
            '<a href="{}">{}</a>',
            (
                (reverse("learning_checkin", args=[s.pk]), f"签到码·{s.title}")
                for s in instance.sessions.all()
            ),
        ) or format_html("{}", "—")


def checkin_links_column() -> Column:
    return SessionLinksColumn("sessions", label="课次签到")
