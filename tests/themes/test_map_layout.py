"""The layout of the portal's small maps: pure functions of the sites and routes
given (no database), so they are tested with plain stand-ins."""

from __future__ import annotations

from types import SimpleNamespace

from themes.map_layout import (
    DOT_RADIUS,
    MAP_MAX_HEIGHT,
    MAP_MIN_HEIGHT,
    MAP_WIDTH,
    STOP_RADIUS,
    place_labels,
    site_map,
)


def place(pk, title, lat, lng):
    return SimpleNamespace(
        pk=pk, title=title, latitude=lat, longitude=lng, path=f"{pk:04d}"
    )


THIRD = place(1, "中共三大会址纪念馆", 23.1287, 113.2882)
UPRISING = place(2, "广州起义烈士陵园", 23.1308, 113.2936)
INSTITUTE = place(3, "农民运动讲习所旧址", 23.1282, 113.2777)


def test_nothing_to_draw_is_no_map():
    assert site_map(sites=[], title="空") is None


def test_sites_fit_the_map_and_the_highlight_comes_first_and_larger():
    drawn = site_map(sites=[THIRD, INSTITUTE], highlight=UPRISING, title="示意图")
    assert drawn.width == MAP_WIDTH
    assert MAP_MIN_HEIGHT <= drawn.height <= MAP_MAX_HEIGHT
    assert [s.title for s in drawn.sites][0] == "广州起义烈士陵园"
    assert drawn.sites[0].highlight and drawn.sites[0].r == DOT_RADIUS + 2
    for s in drawn.sites:
        assert 0 <= s.x <= drawn.width and 0 <= s.y <= drawn.height
    # West is left: the institute lies west of the memorial hall.
    x = {s.title: s.x for s in drawn.sites}
    assert x["农民运动讲习所旧址"] < x["中共三大会址纪念馆"]
    assert drawn.scale is not None and drawn.scale.label.endswith(("米", "公里"))
    assert drawn.description.startswith("共 3 个现场教学点")


def test_a_route_is_a_numbered_polyline_through_its_stops():
    route = SimpleNamespace(name="越秀红色足迹", stops=[(INSTITUTE, ""), (THIRD, "")])
    drawn = site_map(sites=(), routes=[route], title="路线示意图")
    [line] = drawn.routes
    assert [stop.number for stop in line.stops] == [1, 2]
    assert len(line.points.split(" ")) == 2
    assert all(s.numbered and s.r == STOP_RADIUS for s in drawn.sites)
    assert "越秀红色足迹依次经过：农民运动讲习所旧址 → 中共三大会址纪念馆" in (
        drawn.description
    )


def test_labels_avoid_each_other_when_there_is_room():
    labels = place_labels(
        [("甲地", 100.0, 100.0, 6.0), ("乙地", 130.0, 100.0, 6.0)], 320, 240
    )
    # 甲's label would cover 乙's dot on its right, so it goes left; 乙's goes right.
    assert [label.anchor for label in labels] == ["end", "start"]
    assert [label.text for label in labels] == ["甲地", "乙地"]
