"""Admin: the synonym groups (a snippet, with Django's model permissions) and the
query report (top and zero-result queries of the last 30 days)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from dangke.admin_views import PermissionMenuItem
from search.models import SearchSynonym
from search.selectors import REPORT_DAYS, search_query_report

REPORT_PERMISSION = "search.view_searchquerylog"


class SearchSynonymViewSet(SnippetViewSet):
    model = SearchSynonym
    icon = "list-ul"
    menu_label = "检索同义词"
    add_to_admin_menu = True
    menu_order = 260
    list_display = ["__str__", "note", "updated_at"]
    search_fields = ["terms", "note"]
    panels = [FieldPanel("terms"), FieldPanel("note")]


register_snippet(SearchSynonymViewSet)


def query_report_view(request):
    if not request.user.has_perm(REPORT_PERMISSION):
        raise PermissionDenied
    report = search_query_report()
    return render(
        request,
        "search/query_report.html",
        {
            "page_title": "检索统计",
            "days": REPORT_DAYS,
            "top": report["top"],
            "zero": report["zero"],
            "can_add_synonym": request.user.has_perm("search.add_searchsynonym"),
        },
    )


@hooks.register("register_admin_urls")
def register_search_urls():
    return [path("search/queries/", query_report_view, name="search_query_report")]


@hooks.register("register_admin_menu_item")
def register_query_report_menu_item():
    return PermissionMenuItem(
        "检索统计",
        reverse("search_query_report"),
        icon_name="search",
        order=261,
        permission=REPORT_PERMISSION,
    )
