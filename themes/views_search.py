"""搜索: the search page, server-rendered from ``search.selectors.search_run``.

The query goes to the search backend as typed (it segments Chinese and matches
pinyin and initials, so "dsxx" finds 党史学习…); the page validates what the search
API validates (empty → an empty state, too long → a message), shows highlighted
hits linking to their portal pages, facets as filter links with counts, and pages.
When nothing has every word it says so and shows the closest results by any single
word, or the results of the spelling suggestion ("did you mean"), labelled.
What may be seen is decided by ``search.selectors`` at query time, the same for
this page and the search API (an index not yet updated never leaks a title, a
count or a facet); this view only reads the request and formats the answer.
"""

from __future__ import annotations

import html
import re
from math import ceil
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString, mark_safe
from wagtail.models import Page

from search.backends.base import KINDS, PAGE_KINDS, SearchHit, SearchQuery
from search.errors import QueryInvalid
from search.models import SearchDocument
from search.selectors import (
    MAX_PAGE,
    MAX_QUERY_LENGTH,
    PAGE_SIZE,
    search_run,
    search_text_clean,
)
from search.services import search_query_record
from themes.rendering import render_portal

MAX_FILTER_LENGTH = 200
FILTERS = ("type", "topic", "lecturer", "year")
FACET_TITLES = {"type": "类型", "topic": "专题", "lecturer": "讲师", "year": "年份"}
KIND_LABELS = dict(SearchDocument.Kind.choices)
_MARK = re.compile(r"(</?mark>)")


def marked_html(value: str) -> SafeString:
    """``value`` as HTML in which only ``<mark>``/``</mark>`` survive.

    The backends already escape everything but the marks; this holds even if one
    did not: each piece between marks is unescaped and escaped again (so it is not
    escaped twice), and the marks are balanced.
    """
    out: list[str] = []
    open_mark = False
    for piece in _MARK.split(value or ""):
        if piece == "<mark>":
            if not open_mark:
                out.append(piece)
                open_mark = True
        elif piece == "</mark>":
            if open_mark:
                out.append(piece)
                open_mark = False
        else:
            out.append(html.escape(html.unescape(piece)))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 — escaped above, marks only


def _clean_text(raw: str | None) -> str:
    return " ".join((raw or "").split())


def _filters(request: HttpRequest) -> dict[str, str]:
    """The valid filters of the request; anything malformed is dropped (a link
    someone edited by hand should still give results, not an error)."""
    filters: dict[str, str] = {}
    kind = _clean_text(request.GET.get("type"))
    if kind in KINDS:
        filters["type"] = kind
    for name in ("topic", "lecturer"):
        value = _clean_text(request.GET.get(name))[:MAX_FILTER_LENGTH]
        if value:
            filters[name] = value
    year = _clean_text(request.GET.get("year"))
    if year.isascii() and year.isdigit() and 1900 <= int(year) <= 2999:
        filters["year"] = year
    return filters


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def _url(params: dict[str, str | int]) -> str:
    kept = {name: value for name, value in params.items() if value not in ("", None)}
    return "/search/?" + urlencode(kept)


def _hit_rows(hits: list[SearchHit], request: HttpRequest) -> list[dict]:
    # The hits are visible already (search.selectors); the pages give the URLs.
    pages = Page.objects.in_bulk(
        [hit.object_id for hit in hits if hit.kind in PAGE_KINDS]
    )
    rows = []
    for hit in hits:
        page = pages.get(hit.object_id) if hit.kind in PAGE_KINDS else None
        if hit.kind in PAGE_KINDS:
            url = page.get_url(request) if page else ""
        else:  # lecturers have no page: their lessons and courses
            url = _url({"q": hit.title, "lecturer": hit.title})
        rows.append(
            {
                "hit": hit,
                "page": page,  # for its cover (themes/default/_search_hit.html)
                "url": url,
                "kind_label": KIND_LABELS.get(hit.kind, hit.kind),
                "title_html": marked_html(
                    hit.title_highlight or html.escape(hit.title)
                ),
                "snippet_html": marked_html(hit.snippet),
                "topics": [title for _, title in hit.topics],
            }
        )
    return rows


def _facet_groups(facets: dict, base: dict[str, str]) -> list[dict]:
    groups = []
    for name in FILTERS:
        active = base.get(name, "")
        values = []
        for facet in facets.get(name, []):
            selected = str(facet.value) == active
            values.append(
                {
                    "label": facet.label,
                    "count": facet.count,
                    "selected": selected,
                    "url": _url({**base, name: facet.value}),
                }
            )
        if active and not any(value["selected"] for value in values):
            label = KIND_LABELS.get(active, active) if name == "type" else active
            values.insert(
                0, {"label": label, "count": None, "selected": True, "url": ""}
            )
        if values:
            groups.append(
                {
                    "name": name,
                    "title": FACET_TITLES[name],
                    "values": values,
                    "active": active,
                    "clear_url": _url({k: v for k, v in base.items() if k != name}),
                }
            )
    return groups


def _pages(number: int, pages: int, base: dict[str, str]) -> dict | None:
    if pages <= 1:
        return None
    window = range(max(1, number - 2), min(pages, number + 2) + 1)
    return {
        "number": number,
        "pages": pages,
        "previous": _url({**base, "page": number - 1}) if number > 1 else "",
        "next": _url({**base, "page": number + 1}) if number < pages else "",
        "links": [
            {"number": n, "url": _url({**base, "page": n}), "current": n == number}
            for n in window
        ],
    }


def search_view(request: HttpRequest) -> HttpResponse:
    """Results for ``?q=`` with ``type``/``topic``/``lecturer``/``year`` filters and
    ``page``; an empty query shows what can be searched instead of an error."""
    text = _clean_text(request.GET.get("q"))
    filters = _filters(request)
    context: dict = {
        "search_text": text,
        "filters": filters,
        "kinds": [(kind, KIND_LABELS.get(kind, kind)) for kind in KINDS],
        "error": "",
        "results": None,
    }
    if not text:
        return render_portal(request, "search.html", context)
    try:
        text = search_text_clean(raw=text)
    except QueryInvalid as error:  # the same rules as the search API
        context["error"] = f"{error.detail}，请缩短后再试"
        context["search_text"] = text[:MAX_QUERY_LENGTH]
        return render_portal(request, "search.html", context, status=400)

    number = _page_number(request)
    results = search_run(
        query=SearchQuery(
            text=text,
            kind=filters.get("type"),
            topic=filters.get("topic"),
            lecturer=filters.get("lecturer"),
            year=int(filters["year"]) if "year" in filters else None,
            page=number,
            page_size=PAGE_SIZE,
        )
    )
    if number == 1:
        search_query_record(query_text=text, results=results.total)
    base = {"q": text, **filters}
    pages = min(MAX_PAGE, ceil(results.total / results.page_size))
    context.update(
        did_you_mean=results.did_you_mean,
        did_you_mean_url=_url({**filters, "q": results.did_you_mean})
        if results.did_you_mean
        else "",
        results=results,
        hits=_hit_rows(results.hits, request),
        facets=_facet_groups(results.facets, base),
        paging=_pages(number, pages, base),
        first=(number - 1) * results.page_size + 1,
        last=(number - 1) * results.page_size + len(results.hits),
    )
    return render_portal(request, "search.html", context)
