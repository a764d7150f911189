"""红色阵地: the sites page, a route's page and a teaching site's own page show only
live, public sites, draw the map server-side as accessible SVG, and link to Amap and
Baidu Maps with the coordinates converted to their datums."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from wagtail.models import PageViewRestriction

from cms.models import RedRoute, RedRouteStop
from tests import factories
from themes.geo import wgs84_to_bd09, wgs84_to_gcj02

pytestmark = pytest.mark.django_db


class Page(HTMLParser):
    """Start tags with attributes, script bodies and text of an HTML page."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._tag = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._tag = tag

    def handle_data(self, data):
        if self._tag == "script" and data.strip():
            self.script_text.append(data)

    def handle_endtag(self, tag):
        self._tag = ""

    def all(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def assert_self_contained(response) -> Page:
    """The portal's CSP, no inline script or style, nothing loaded from elsewhere."""
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    page = Page(response.content.decode())
    assert page.script_text == []
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), tag
        for name in ("src", "srcset", "data", "poster"):
            assert not (attrs.get(name) or "").startswith(("http:", "https:", "//"))
    for link in page.all("link"):
        assert not (link.get("href") or "").startswith(("http:", "https:", "//"))
    return page


@pytest.fixture
def sites(home_page):
    area = factories.section(home_page, title="现场教学", slug="sites")
    internal = factories.section(home_page, title="内部阵地", slug="internal")
    PageViewRestriction.objects.create(page=internal, restriction_type="login")
    return {
        "third": factories.teaching_site(
            area,
            "中共三大会址纪念馆",
            23.1287,
            113.2882,
            address="广州市越秀区恤孤院路3号",
            opening_hours="周二至周日 9:00–17:00",
            history="<p>1923年6月，中共三大在此召开。</p>",
        ),
        "uprising": factories.teaching_site(
            area, "广州起义烈士陵园", 23.1308, 113.2936
        ),
        "institute": factories.teaching_site(
            area, "农民运动讲习所旧址", 23.1282, 113.2777
        ),
        "draft": factories.teaching_site(
            area, "草稿教学点甲", 23.1300, 113.2800, live=False
        ),
        "secret": factories.teaching_site(internal, "内部教学点乙", 23.1290, 113.2850),
    }


@pytest.fixture
def route(sites):
    route = RedRoute(name="越秀红色足迹", description="半日现场教学线路")
    route.stops = [
        RedRouteStop(site=sites[key], note=f"第{i}站说明", sort_order=i)
        for i, key in enumerate(["institute", "draft", "third", "secret", "uprising"])
    ]
    route.save()
    return route


def test_sites_page_lists_public_sites_and_routes_with_a_map(client, sites, route):
    response = client.get("/sites/")
    assert response.status_code == 200
    html = response.content.decode()
    page = assert_self_contained(response)
    for key in ("third", "uprising", "institute"):
        assert sites[key].title in html
        assert f'href="{sites[key].url}"' in html
    assert "草稿教学点甲" not in html and "内部教学点乙" not in html
    assert "越秀红色足迹" in html and f'href="/sites/routes/{route.pk}/"' in html

    # the map (the other SVGs are the shell's icons)
    (svg,) = [attrs for attrs in page.all("svg") if "map-svg" in (attrs["class"] or "")]
    assert svg["role"] == "img"
    assert svg["aria-labelledby"] == "site-map-title site-map-desc"
    assert '<title id="site-map-title">红色阵地分布示意图</title>' in html
    # The description says in words what the map draws, route order included.
    assert (
        "越秀红色足迹依次经过：农民运动讲习所旧址 → 中共三大会址纪念馆 → 广州起义烈士陵园"
        in html
    )
    (polyline,) = page.all("polyline")
    points = [
        tuple(float(v) for v in pair.split(",")) for pair in polyline["points"].split()
    ]
    assert len(points) == 3  # the draft and the restricted stop are left out
    width, height = (float(v) for v in svg["viewbox"].split()[2:])
    for x, y in points:
        assert 0 < x < width and 0 < y < height
    # West to east: the institute, the congress site, the cemetery.
    assert points[0][0] < points[1][0] < points[2][0]
    assert [text for text in ("1", "2", "3") if f">{text}</text>" in html] == [
        "1",
        "2",
        "3",
    ]


def test_navigation_links_carry_converted_coordinates(client, sites):
    html = client.get("/sites/").content.decode()
    page = Page(html)
    hrefs = [a["href"] for a in page.all("a") if a.get("href")]
    third = sites["third"]
    amap = next(h for h in hrefs if h.startswith("https://uri.amap.com/marker"))
    query = parse_qs(urlsplit(amap).query)
    lng, lat = (float(v) for v in query["position"][0].split(","))
    assert (lat, lng) == pytest.approx(wgs84_to_gcj02(23.1287, 113.2882), abs=1e-6)
    # The conversion matters: hundreds of metres away from the raw GPS point.
    assert abs(lng - 113.2882) > 0.003
    assert query["name"] == [third.title]
    assert query["coordinate"] == ["gaode"] and query["callnative"] == ["1"]
    assert "name=%E4%B8%AD%E5%85%B1" in amap  # the name is URL-encoded

    baidu = next(h for h in hrefs if h.startswith("https://api.map.baidu.com/marker"))
    query = parse_qs(urlsplit(baidu).query)
    lat, lng = (float(v) for v in query["location"][0].split(","))
    assert (lat, lng) == pytest.approx(wgs84_to_bd09(23.1287, 113.2882), abs=1e-6)
    assert query["title"] == [third.title]
    assert query["content"] == ["广州市越秀区恤孤院路3号"]
    assert query["coord_type"] == ["bd09ll"] and query["output"] == ["html"]
    assert query["src"] == ["dangke.portal"]


def test_route_page_shows_its_public_stops_in_order(client, sites, route):
    response = client.get(f"/sites/routes/{route.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_self_contained(response)
    assert "<h1>越秀红色足迹</h1>" in html
    order = [
        html.index(sites[key].title + "</a>")
        for key in ("institute", "third", "uprising")
    ]
    assert order == sorted(order)
    assert "第 3 站：" in html and "第 4 站：" not in html
    assert "草稿教学点甲" not in html and "内部教学点乙" not in html
    assert "第1站说明" not in html  # the draft stop's note neither
    assert 'role="img"' in html and "<polyline" in html
    assert "共 3 站" in html


def test_unknown_routes_and_routes_without_public_stops_are_not_found(client, sites):
    hidden = RedRoute(name="内部线路")
    hidden.stops = [RedRouteStop(site=sites["secret"], sort_order=0)]
    hidden.save()
    assert client.get(f"/sites/routes/{hidden.pk}/").status_code == 404
    assert client.get("/sites/routes/999999/").status_code == 404
    assert "内部线路" not in client.get("/sites/").content.decode()


def test_empty_sites_page(client, home_page):
    response = client.get("/sites/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "暂无现场教学点" in html and 'class="map-svg"' not in html


def test_teaching_site_page_shows_details_map_and_navigation(client, sites, route):
    third = sites["third"]
    response = client.get(third.url)
    assert response.status_code == 200
    html = response.content.decode()
    page = assert_self_contained(response)
    assert "广州市越秀区恤孤院路3号" in html
    assert "周二至周日 9:00–17:00" in html
    assert "1923年6月，中共三大在此召开。" in html
    # the map (the other SVGs are the shell's icons)
    (svg,) = [attrs for attrs in page.all("svg") if "map-svg" in (attrs["class"] or "")]
    assert svg["role"] == "img"
    assert f"{third.title}位置示意图" in html
    # Its public neighbours give the point context; hidden sites never appear.
    assert "广州起义烈士陵园" in html
    assert "草稿教学点甲" not in html and "内部教学点乙" not in html
    current = [c for c in page.all("circle") if "is-current" in (c.get("class") or "")]
    assert len(current) == 1
    hrefs = [a.get("href") or "" for a in page.all("a")]
    assert any(h.startswith("https://uri.amap.com/marker?position=") for h in hrefs)
    assert any(
        h.startswith("https://api.map.baidu.com/marker?location=") for h in hrefs
    )
    assert f"/sites/routes/{route.pk}/" in hrefs


def test_restricted_and_draft_site_pages_are_not_served(client, sites):
    assert client.get(sites["secret"].url).status_code in (302, 403)
    draft_url = "/sites/" + sites["draft"].slug + "/"
    assert client.get(draft_url).status_code == 404
