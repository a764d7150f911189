"""China's map datums and the map projection: the conversions match published
reference values, round-trip, and leave points outside China alone."""

from __future__ import annotations

import pytest

from themes.geo import (
    MapProjection,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# (WGS-84 lat, lng) → (GCJ-02 lat, lng), published with googollee/eviltransform's
# test suite (test.py, TESTS: shanghai, shenzhen, beijing).
EVILTRANSFORM = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_eviltransform(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


def test_tiananmen_is_shifted_as_widely_published():
    # Tiananmen: GPS (39.908692, 116.397477) is (39.910096, 116.403719) on Amap.
    lat, lng = wgs84_to_gcj02(39.908692, 116.397477)
    assert lat == pytest.approx(39.910096, abs=1e-5)
    assert lng == pytest.approx(116.403719, abs=1e-5)


def test_the_coordtransform_readme_pairs():
    # wandergis/coordtransform, test/app.js, for the point (lng 116.404, lat 39.915):
    #   wgs84togcj02 → [116.41024449916938, 39.91640428150164]
    #   gcj02tobd09  → [116.41036949371029, 39.92133699351021]
    #   bd09togcj02  → [116.39762729119315, 39.90865673957631]
    #   gcj02towgs84 → [116.39775550083061, 39.91359571849836] (one-step inverse)
    assert wgs84_to_gcj02(39.915, 116.404) == pytest.approx(
        (39.91640428150164, 116.41024449916938), abs=1e-9
    )
    assert gcj02_to_bd09(39.915, 116.404) == pytest.approx(
        (39.92133699351021, 116.41036949371029), abs=1e-9
    )
    assert bd09_to_gcj02(39.915, 116.404) == pytest.approx(
        (39.90865673957631, 116.39762729119315), abs=1e-9
    )
    # Our inverse iterates to the exact preimage; the one-step one is within 1e-5.
    assert gcj02_to_wgs84(39.915, 116.404) == pytest.approx(
        (39.91359571849836, 116.39775550083061), abs=2e-5
    )


@pytest.mark.parametrize(
    "lat, lng",
    [(23.1287, 113.2882), (39.908692, 116.397477), (45.75, 126.65), (30.66, 104.06)],
)
def test_round_trips(lat, lng):
    gcj = wgs84_to_gcj02(lat, lng)
    # The shift is real (hundreds of metres) ...
    assert 1e-3 < abs(gcj[0] - lat) + abs(gcj[1] - lng) < 2e-2
    # ... and undone: GCJ-02 → WGS-84 and BD-09 → GCJ-02 come back to well under 1 m.
    assert gcj02_to_wgs84(*gcj) == pytest.approx((lat, lng), abs=1e-7)
    bd = wgs84_to_bd09(lat, lng)
    assert bd == pytest.approx(gcj02_to_bd09(*gcj))
    assert bd09_to_gcj02(*bd) == pytest.approx(gcj, abs=1e-5)


@pytest.mark.parametrize(
    "lat, lng", [(51.5007, -0.1246), (35.6586, 139.7454), (-33.8568, 151.2153)]
)
def test_points_outside_china_are_not_shifted(lat, lng):
    assert out_of_china(lat, lng)
    assert wgs84_to_gcj02(lat, lng) == (lat, lng)
    assert wgs84_to_bd09(lat, lng) == (lat, lng)
    assert gcj02_to_wgs84(lat, lng) == (lat, lng)


def test_china_is_inside():
    assert not out_of_china(23.1287, 113.2882)
    assert not out_of_china(39.9, 116.4)


def test_projection_fits_the_points_inside_the_padding_and_keeps_north_up():
    points = [(23.1287, 113.2882), (23.1308, 113.2936), (23.1307, 113.2637)]
    projection = MapProjection.fit(points, width=400, height=300, padding=40)
    projected = [projection.point(lat, lng) for lat, lng in points]
    for x, y in projected:
        assert 40 - 0.1 <= x <= 360 + 0.1
        assert 40 - 0.1 <= y <= 260 + 0.1
    xs = [x for x, _ in projected]
    # The widest extent fills the inner width: one scale for both axes.
    assert max(xs) - min(xs) == pytest.approx(320, abs=0.2)
    # East is right, north is up.
    assert projected[1][0] > projected[0][0] > projected[2][0]
    assert projected[1][1] < projected[0][1]


def test_projection_keeps_the_aspect_ratio():
    # A square of 0.01° × 0.01° near the equator projects to (nearly) a square.
    points = [(0.0, 100.0), (0.01, 100.01)]
    projection = MapProjection.fit(points, width=600, height=300, padding=0)
    (x1, y1), (x2, y2) = (projection.point(*p) for p in points)
    assert abs(x2 - x1) == pytest.approx(abs(y2 - y1), rel=1e-3)
    assert abs(y2 - y1) == pytest.approx(300, abs=0.2)
    assert (x1 + x2) / 2 == pytest.approx(300, abs=0.2)  # centred


def test_a_single_point_is_centred():
    projection = MapProjection.fit([(23.1287, 113.2882)], width=400, height=300)
    assert projection.point(23.1287, 113.2882) == pytest.approx((200, 150), abs=0.2)
