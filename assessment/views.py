"""Admin views: importing questions (all or none, every bad one listed) and
exporting the bank as XLSX in the same layout."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from assessment import selectors, services
from assessment.exports import questions_table
from assessment.forms import QuestionImportForm
from assessment.models import Question
from assessment.tasks import questions_import_task
from dangke.exports import XLSX_TYPE, table_bytes
from dangke.import_jobs import import_jobs_recent
from dangke.import_views import import_job_start


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def import_view(request: HttpRequest) -> HttpResponse:
    """Upload an XLSX/CSV, GIFT or Aiken file of questions: the worker imports it
    (all or none) while the job's page shows the progress, then the counts or every
    bad question."""
    _require(request, "assessment.add_question")
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        page = form.cleaned_data.get("page")
        return import_job_start(
            request,
            kind=services.imports.JOB_KIND,
            upload=form.cleaned_data["file"],
            options={
                "page": page.pk if page else None,
                "tags": form.tag_list(),
                "unit": "道题",
                "title": "导入题库",
                "back_url": reverse("assessment_import"),
            },
            task=questions_import_task,
        )
    return render(
        request,
        "assessment/import.html",
        {
            "form": form,
            "jobs": import_jobs_recent(
                user=request.user, kinds=[services.imports.JOB_KIND]
            ),
            "page_title": "导入题库",
        },
    )


def export_view(request: HttpRequest) -> HttpResponse:
    """The bank (or the questions of one tag, ``?tag=``) as XLSX in the import
    layout. Someone who may only view the bank (an organisation admin, often a
    member who plays contests too) gets no key of a held-back question
    (``selectors.questions_held_back``: a contest not over, a quiz hiding its
    answers); those who edit the bank see every key anyway."""
    _require(request, "assessment.view_question")
    questions = Question.objects.prefetch_related("options", "tags").order_by("pk")
    tag = request.GET.get("tag", "").strip()
    if tag:
        questions = questions.filter(tags__name=tag)
    withheld: set[int] = set()
    if not request.user.has_perm("assessment.change_question"):
        withheld = set(
            selectors.questions_held_back()
            .filter(pk__in=questions.values("pk"))
            .values_list("pk", flat=True)
        )
    response = HttpResponse(
        table_bytes(
            questions_table(questions, keys_withheld=withheld), "xlsx", sheet="题库"
        ),
        content_type=XLSX_TYPE,
    )
    response["Content-Disposition"] = 'attachment; filename="questions.xlsx"'
    return response
