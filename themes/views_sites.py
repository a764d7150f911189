"""红色阵地: the live, public teaching sites and the red routes through them, with
maps drawn server-side as inline SVG from the stored WGS-84 coordinates (no tiles,
no script, nothing from another host) and "导航" links into Amap and Baidu Maps with
the coordinates converted to the datums those apps use (``themes.geo``).

Which sites and routes are shown is cms's rule (``cms.selectors``: only public
sites, a route's stop at a draft or restricted site left out, a route with no
public stop not shown at all); where things go on the map is
``themes.map_layout``'s. These views only put them together.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404, HttpRequest, HttpResponse

from cms.models import TeachingSitePage
from cms.selectors import (
    red_routes_public,
    red_routes_through,
    teaching_sites_near,
    teaching_sites_public,
)
from themes.geo import navigation_links
from themes.map_layout import site_map
from themes.rendering import render_portal


def site_navigation(site: TeachingSitePage) -> dict[str, str]:
    """Links that open the site in Amap and Baidu Maps."""
    return navigation_links(
        name=site.title,
        address=site.address or "",
        latitude=site.latitude,
        longitude=site.longitude,
    )


def site_page_extras(site: TeachingSitePage) -> dict:
    """What a teaching site's own page adds: a small map with its public
    neighbours, the navigation links and the public routes through it."""
    return {
        "map": site_map(
            sites=teaching_sites_near(site=site),
            highlight=site,
            title=f"{site.title}位置示意图",
        ),
        "navigation": site_navigation(site),
        "routes": red_routes_through(site=site),
    }


# --- views --------------------------------------------------------------------------


def _site_rows(sites: Iterable[TeachingSitePage], request: HttpRequest) -> list[dict]:
    return [
        {
            "page": site,
            "url": site.get_url(request),
            "navigation": site_navigation(site),
        }
        for site in sites
    ]


def sites_view(request: HttpRequest) -> HttpResponse:
    """红色阵地: the public teaching sites and red routes, on a map and as lists."""
    sites = teaching_sites_public()
    routes = red_routes_public()
    return render_portal(
        request,
        "sites.html",
        {
            "map": site_map(sites=sites, routes=routes, title="红色阵地分布示意图"),
            "sites": _site_rows(sites, request),
            "routes": routes,
        },
    )


def route_view(request: HttpRequest, route_id: int) -> HttpResponse:
    """A red route: its public stops in order and its map."""
    routes = red_routes_public(route_id=route_id)
    if not routes:
        raise Http404("没有这条红色线路")
    route = routes[0]
    stops = [
        {
            "number": number,
            "note": note,
            **_site_rows([site], request)[0],
        }
        for number, (site, note) in enumerate(route.stops, start=1)
    ]
    return render_portal(
        request,
        "route.html",
        {
            "route": route,
            "stops": stops,
            "map": site_map(routes=[route], sites=(), title=f"{route.name}路线示意图"),
        },
    )
