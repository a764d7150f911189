"""Admin views: importing questions (all or none, every bad one listed) and
exporting the bank as XLSX in the same layout."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessment import services
from assessment.errors import ImportFileUnreadable, QuestionImportFailed
from assessment.exports import questions_table
from assessment.forms import QuestionImportForm
from assessment.models import Question
from dangke.exports import XLSX_TYPE, table_bytes


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def import_view(request: HttpRequest) -> HttpResponse:
    """Upload an XLSX/CSV, GIFT or Aiken file of questions; all or none."""
    _require(request, "assessment.add_question")
    errors: list[tuple[int, str]] = []
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            saved = services.questions_import(
                name=upload.name,
                content=upload.read(),
                page=form.cleaned_data.get("page"),
                tags=form.tag_list(),
            )
        except ImportFileUnreadable as exc:
            form.add_error("file", exc.detail)
        except QuestionImportFailed as exc:
            errors = exc.errors
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"已导入 {len(saved)} 道题")
            form = QuestionImportForm()
    return render(
        request,
        "assessment/import.html",
        {"form": form, "errors": errors, "page_title": "导入题库"},
    )


def export_view(request: HttpRequest) -> HttpResponse:
    """The bank (or the questions of one tag, ``?tag=``) as XLSX in the import
    layout."""
    _require(request, "assessment.view_question")
    questions = Question.objects.prefetch_related("options", "tags").order_by("pk")
    tag = request.GET.get("tag", "").strip()
    if tag:
        questions = questions.filter(tags__name=tag)
    response = HttpResponse(
        table_bytes(questions_table(questions), "xlsx", sheet="题库"),
        content_type=XLSX_TYPE,
    )
    response["Content-Disposition"] = 'attachment; filename="questions.xlsx"'
    return response
