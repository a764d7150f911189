"""Coordinates for maps: China's map datums and a small projection for drawing.

Teaching sites store WGS-84 (GPS) coordinates. Chinese map apps do not use WGS-84:
Amap (高德) and Tencent use GCJ-02 (国测局坐标, "Mars coordinates"), an obfuscated datum
that shifts points by a few hundred metres, and Baidu uses BD-09, a further rotation of
GCJ-02. A raw GPS point handed to them lands in the wrong street, so the portal's
"导航" links convert first, with the published formulas (Krasovsky 1940 ellipsoid for
GCJ-02; the ``x_pi`` rotation for BD-09). Outside China (a rough bounding box, as in
every published implementation) no shift applies.

``MapProjection`` fits a set of points into an SVG viewport (Web-Mercator, keeping the
aspect ratio, with padding) so the portal can draw maps server-side without tiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

# Krasovsky 1940: semi-major axis (m) and eccentricity squared, as GCJ-02 uses them.
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
# BD-09's rotation constant.
X_PI = math.pi * 3000.0 / 180.0


def out_of_china(lat: float, lng: float) -> bool:
    """True outside the rough bounding box of China, where GCJ-02 equals WGS-84."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _shift_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
    ret += 0.2 * math.sqrt(abs(x))
    ret += (
        (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi))
        * 2
        / 3
    )
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    ret += (
        (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0))
        * 2
        / 3
    )
    return ret


def _shift_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
    ret += 0.1 * math.sqrt(abs(x))
    ret += (
        (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi))
        * 2
        / 3
    )
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    ret += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi))
        * 2
        / 3
    )
    return ret


def _gcj02_offset(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02's shift (degrees of latitude, longitude) at a WGS-84 point."""
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    radlat = math.radians(lat)
    magic = 1 - KRASOVSKY_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / (
        (KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi
    )
    dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 (GPS) → GCJ-02 (Amap, Tencent); unchanged outside China."""
    if out_of_china(lat, lng):
        return lat, lng
    dlat, dlng = _gcj02_offset(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(
    lat: float, lng: float, *, tolerance: float = 1e-9
) -> tuple[float, float]:
    """GCJ-02 → WGS-84 by fixed-point iteration (the forward shift has no closed-form
    inverse); a few iterations reach well under a centimetre."""
    if out_of_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _ in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < tolerance and abs(dlng) < tolerance:
            break
    return wlat, wlng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """GCJ-02 → BD-09 (Baidu)."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """BD-09 → GCJ-02 (Baidu's published inverse)."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def wgs84_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → BD-09 (through GCJ-02); unchanged outside China."""
    if out_of_china(lat, lng):
        return lat, lng
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lng))


def navigation_links(
    *, name: str, address: str, latitude: float, longitude: float
) -> dict[str, str]:
    """Links ("导航") that open a WGS-84 point in Amap (converted to GCJ-02) and
    Baidu Maps (converted to BD-09), with its name (and address, for Baidu)."""
    quoted_name = quote(name, safe="")
    quoted_address = quote(address, safe="")
    gcj_lat, gcj_lng = wgs84_to_gcj02(latitude, longitude)
    bd_lat, bd_lng = wgs84_to_bd09(latitude, longitude)
    return {
        "amap": (
            f"https://uri.amap.com/marker?position={gcj_lng:.6f},{gcj_lat:.6f}"
            f"&name={quoted_name}&coordinate=gaode&callnative=1"
        ),
        "baidu": (
            f"https://api.map.baidu.com/marker?location={bd_lat:.6f},{bd_lng:.6f}"
            f"&title={quoted_name}&content={quoted_address}&output=html"
            "&coord_type=bd09ll&src=dangke.portal"
        ),
    }


# --- drawing ------------------------------------------------------------------------


def _mercator_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


@dataclass(frozen=True)
class MapProjection:
    """Web-Mercator fitted to the bounding box of some points inside a ``width`` ×
    ``height`` viewport with ``padding`` on every side; one scale for both axes, so
    distances keep their proportions, and the drawing is centred."""

    width: float
    height: float
    padding: float
    min_x: float
    max_y: float
    scale: float
    offset_x: float
    offset_y: float

    @classmethod
    def fit(
        cls,
        points: Iterable[tuple[float, float]],
        *,
        width: float = 640,
        height: float = 400,
        padding: float = 48,
        min_span: float = 0.004,
    ) -> MapProjection:
        """Fit ``points`` (lat, lng). A single point or points very close together
        get a span of at least ``min_span`` degrees (about 400 m), so one site is
        drawn centred instead of blown up."""
        xs, ys = [], []
        for lat, lng in points:
            xs.append(lng)
            ys.append(_mercator_y(lat))
        if not xs:
            xs, ys = [0.0], [0.0]
        min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
        if max_x - min_x < min_span:
            middle = (min_x + max_x) / 2
            min_x, max_x = middle - min_span / 2, middle + min_span / 2
        if max_y - min_y < min_span:
            middle = (min_y + max_y) / 2
            min_y, max_y = middle - min_span / 2, middle + min_span / 2
        inner_w, inner_h = width - 2 * padding, height - 2 * padding
        scale = min(inner_w / (max_x - min_x), inner_h / (max_y - min_y))
        return cls(
            width=width,
            height=height,
            padding=padding,
            min_x=min_x,
            max_y=max_y,
            scale=scale,
            offset_x=padding + (inner_w - (max_x - min_x) * scale) / 2,
            offset_y=padding + (inner_h - (max_y - min_y) * scale) / 2,
        )

    def point(self, lat: float, lng: float) -> tuple[float, float]:
        """Viewport coordinates (x right, y down) of a (lat, lng), rounded to 0.1."""
        x = self.offset_x + (lng - self.min_x) * self.scale
        y = self.offset_y + (self.max_y - _mercator_y(lat)) * self.scale
        return round(x, 1), round(y, 1)
