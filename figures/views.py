"""The admin's 培训统计 page: figures of an organisation's subtree for a year with
server-drawn SVG bars, a drill-down by child organisation and XLSX/CSV export
(audited)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dangke.errors import DomainError
from dangke.exports import FILE_FORMATS, export_with_audit
from figures import selectors, services
from learning import selectors as learning_selectors
from learning.models import Organisation

BAR_WIDTH = 200  # units of the longest bar (the label takes 90)


class StatisticsForm(forms.Form):
    organisation = forms.CharField(label="党组织代码", required=False)
    year = forms.IntegerField(
        label="年度", required=False, min_value=2000, max_value=2100
    )


def bars(items: list[tuple[str, float]]) -> dict:
    """An SVG bar chart's rows (label, value, the bar's width and its y) and
    size: one 10-unit row per item, bars scaled to the largest value."""
    top = max((value for _label, value in items), default=0) or 1
    rows = [
        {
            "label": label,
            "value": value,
            "width": round(BAR_WIDTH * value / top),
            "y": 10 * index,
        }
        for index, (label, value) in enumerate(items)
    ]
    return {"rows": rows, "height": 10 * len(rows), "width": BAR_WIDTH + 140}


def statistics_view(request: HttpRequest) -> HttpResponse:
    """培训统计 of an organisation (default: the first the user administers) and year
    (default: this year)."""
    roots = list(learning_selectors.organisations_administered(user=request.user))
    if not roots:
        raise PermissionDenied
    form = StatisticsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("year") or timezone.localdate().year
    code = (data.get("organisation") or "").strip() or roots[0].code
    try:
        organisation = services.statistics_organisation(user=request.user, code=code)
    except DomainError as error:
        raise PermissionDenied(error.detail) from error
    stats = selectors.training_statistics(organisation=organisation, year=year)
    export = request.GET.get("export")
    if export in FILE_FORMATS:
        table = services.statistics_table(stats)
        return export_with_audit(
            table,
            fmt=export,
            filename=f"training-statistics-{organisation.code}-{year}",
            actor=request.user,
            channel="admin",
            subject="figures.training",
            scope={"organisation": organisation.code, "year": year},
            row_count=len(table),
        )
    ancestors = list(
        Organisation.objects.filter(
            path__in=[
                organisation.path[:end] for end in range(6, len(organisation.path), 6)
            ]
        ).order_by("path")
    )
    ancestors = [
        a
        for a in ancestors
        if learning_selectors.user_can_report_on(user=request.user, organisation=a)
    ]
    return render(
        request,
        "figures/statistics.html",
        {
            "page_title": "培训统计",
            "form": form,
            "stats": stats,
            "year": year,
            "ancestors": ancestors,
            "kind_bars": bars([(t.label, t.people_times) for t in stats.by_kind]),
            "group_bars": bars([(t.label, t.people_times) for t in stats.by_group]),
            "child_bars": bars([(c.name, c.people_times) for c in stats.children]),
        },
    )
