"""The layout of the portal's small maps (红色阵地): where each teaching site, each
red route's numbered stops, the labels and the scale bar go in an inline SVG, from
the sites' WGS-84 coordinates. Pure functions of their arguments: no query, no
request; the pages read the sites and routes through ``cms.selectors`` and the
templates draw what ``site_map`` returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from themes.geo import MapProjection

if TYPE_CHECKING:
    from cms.models import TeachingSitePage
    from cms.selectors import PublicRedRoute

MAP_WIDTH = 320
MAP_MIN_HEIGHT = 220
MAP_MAX_HEIGHT = 360
MAP_PADDING = 32
LABEL_SIZE = 12  # user units: about 13 px on a phone, 18 px at the 480 px desktop width
DOT_RADIUS = 6
STOP_RADIUS = 9
METRES_PER_DEGREE = 111_320.0
SCALE_STEPS = (50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


@dataclass
class MapLabel:
    text: str
    x: float
    y: float
    anchor: str  # SVG text-anchor


@dataclass
class MapSite:
    title: str
    x: float
    y: float
    label: MapLabel
    highlight: bool = False
    numbered: bool = False  # drawn as a route's numbered stop instead of a dot
    r: float = DOT_RADIUS


@dataclass
class MapStop:
    number: int
    x: float
    y: float
    r: float = STOP_RADIUS


@dataclass
class MapRoute:
    index: int
    name: str
    points: str  # SVG polyline points
    stops: list[MapStop] = field(default_factory=list)


@dataclass
class MapScale:
    x1: float
    x2: float
    y: float
    label: str


@dataclass
class SiteMap:
    title: str
    description: str
    width: int
    height: int
    sites: list[MapSite]
    routes: list[MapRoute]
    scale: MapScale | None


def _text_width(text: str) -> float:
    """Rough rendered width: CJK characters are square, others about half."""
    return sum(LABEL_SIZE if ord(ch) > 0x2E7F else LABEL_SIZE * 0.6 for ch in text)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, width) * max(0.0, height)


def place_labels(
    points: Sequence[tuple[str, float, float, float]], width: float, height: float
) -> list[MapLabel]:
    """Put each label (text, x, y, radius) beside its point where it overlaps no
    label placed before it, no other point and stays inside the map; else where it
    overlaps least. Greedy and good enough for a handful of sites."""
    # The north arrow (top right) and the scale bar (bottom left) keep their place.
    placed: list[tuple[float, ...]] = [
        (width - 32, 6, width - 8, 50),
        (6, height - 32, 110, height - 6),
    ]
    obstacles = [(x - r, y - r, x + r, y + r) for _, x, y, r in points]
    labels = []
    for index, (text, x, y, radius) in enumerate(points):
        w, h = _text_width(text), LABEL_SIZE
        gap = radius + 4
        right, left = x + gap, x - gap
        top, bottom = y - gap, y + gap
        candidates = [  # (x, baseline, anchor, box): right, left, above, below
            (right, y + h * 0.35, "start", (right, y - h / 2, right + w, y + h / 2)),
            (left, y + h * 0.35, "end", (left - w, y - h / 2, left, y + h / 2)),
            (x, top - 3, "middle", (x - w / 2, top - h, x + w / 2, top)),
            (x, bottom + h, "middle", (x - w / 2, bottom, x + w / 2, bottom + h)),
        ]
        best, best_cost = None, math.inf
        for lx, ly, anchor, box in candidates:
            outside = sum(
                max(0.0, value)
                for value in (-box[0], box[2] - width, -box[1], box[3] - height)
            )
            cost = outside * 1000 + sum(_overlap(box, other) for other in placed)
            cost += sum(
                _overlap(box, other)
                for number, other in enumerate(obstacles)
                if number != index
            )
            if cost < best_cost:
                best, best_cost = (lx, ly, anchor, box), cost
            if cost == 0:
                break
        lx, ly, anchor, box = best
        placed.append(box)
        labels.append(
            MapLabel(text=text, x=round(lx, 1), y=round(ly, 1), anchor=anchor)
        )
    return labels


def scale_bar(projection: MapProjection, mid_lat: float, height: float) -> MapScale:
    metres_per_unit = (
        METRES_PER_DEGREE * math.cos(math.radians(mid_lat)) / projection.scale
    )
    target = projection.width / 4 * metres_per_unit
    metres = max([s for s in SCALE_STEPS if s <= target] or [SCALE_STEPS[0]])
    length = metres / metres_per_unit
    label = f"{metres // 1000} 公里" if metres >= 1000 else f"{metres} 米"
    x1 = 12.0
    return MapScale(
        x1=x1, x2=round(x1 + length, 1), y=round(height - 12, 1), label=label
    )


def site_map(
    *,
    sites: Iterable[TeachingSitePage],
    routes: Iterable[PublicRedRoute] = (),
    highlight: TeachingSitePage | None = None,
    title: str,
) -> SiteMap | None:
    """The sites as labelled points and each route as an ordered polyline with
    numbered stops, fitted to their bounding box (None when there is nothing to
    draw). ``highlight`` is drawn larger (the site of the page)."""
    routes = list(routes)
    by_id: dict[int, TeachingSitePage] = {site.pk: site for site in sites}
    for route in routes:
        for site, _ in route.stops:
            by_id.setdefault(site.pk, site)
    if highlight is not None:
        by_id.setdefault(highlight.pk, highlight)
    if not by_id:
        return None
    coords = [(site.latitude, site.longitude) for site in by_id.values()]
    lats = [lat for lat, _ in coords]
    lngs = [lng for _, lng in coords]
    # The viewport follows the data's shape within limits: a wide, flat spread of
    # sites gets a shorter map instead of empty bands.
    lat_span = max(0.004, max(lats) - min(lats))
    lng_span = max(0.004, max(lngs) - min(lngs)) * math.cos(math.radians(lats[0]))
    inner = MAP_WIDTH - 2 * MAP_PADDING
    height = int(
        max(
            MAP_MIN_HEIGHT,
            min(MAP_MAX_HEIGHT, inner * lat_span / lng_span + 2 * MAP_PADDING),
        )
    )
    projection = MapProjection.fit(
        coords, width=MAP_WIDTH, height=height, padding=MAP_PADDING
    )

    map_routes = []
    numbered: set[int] = set()
    for index, route in enumerate(routes):
        points = [projection.point(s.latitude, s.longitude) for s, _ in route.stops]
        shift = index * (STOP_RADIUS * 2 + 2)  # several routes through one site
        map_routes.append(
            MapRoute(
                index=index,
                name=route.name,
                points=" ".join(f"{x},{y}" for x, y in points),
                stops=[
                    MapStop(number=n, x=round(x + shift, 1), y=y)
                    for n, (x, y) in enumerate(points, start=1)
                ],
            )
        )
        numbered.update(site.pk for site, _ in route.stops)

    highlight_id = highlight.pk if highlight is not None else None
    # The highlighted site's label is placed first, so it gets the best spot.
    ordered = sorted(by_id.values(), key=lambda s: (s.pk != highlight_id, s.path))
    positions = [projection.point(s.latitude, s.longitude) for s in ordered]

    def radius(site: TeachingSitePage) -> float:
        if site.pk in numbered:
            return STOP_RADIUS
        return DOT_RADIUS + (2 if site.pk == highlight_id else 0)

    labels = place_labels(
        [
            (site.title, x, y, radius(site))
            for site, (x, y) in zip(ordered, positions, strict=True)
        ],
        MAP_WIDTH,
        height,
    )
    map_sites = [
        MapSite(
            title=site.title,
            x=x,
            y=y,
            label=label,
            highlight=site.pk == highlight_id,
            numbered=site.pk in numbered,
            r=radius(site),
        )
        for site, (x, y), label in zip(ordered, positions, labels, strict=True)
    ]

    names = "、".join(site.title for site in ordered)
    parts = [f"共 {len(ordered)} 个现场教学点：{names}"]
    for route in routes:
        parts.append(
            f"{route.name}依次经过："
            + " → ".join(site.title for site, _ in route.stops)
        )
    return SiteMap(
        title=title,
        description="。".join(parts) + "。",
        width=MAP_WIDTH,
        height=height,
        sites=map_sites,
        routes=map_routes,
        scale=scale_bar(projection, (min(lats) + max(lats)) / 2, height),
    )
