"""Progress bars carry their number: the percentage is written beside the bar and the
bar says it to a screen reader (aria-valuenow, aria-valuetext), in every list that
shows one."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from django.template.loader import render_to_string


def bars(html: str) -> list:
    return BeautifulSoup(html, "html.parser").select(".progress-line")


def test_a_course_cards_bar_shows_and_says_its_percentage(db):
    html = render_to_string(
        "themes/default/_course_list.html",
        {
            "courses": [
                {
                    "title": "党史学习教育必修课",
                    "url": "/courses/x/",
                    "status": "in_progress",
                    "percent": 45,
                    "deadline": date(2026, 12, 31),
                    "page": None,
                }
            ]
        },
    )
    (line,) = bars(html)
    bar = line.progress
    assert bar["value"] == "45" and bar["max"] == "100"
    assert bar["aria-valuenow"] == "45"
    assert bar["aria-valuetext"] == "已完成 45%"
    assert bar["aria-label"] == "党史学习教育必修课 完成进度"
    # seen beside the bar (a screen reader hears it from the bar once)
    number = line.select_one(".progress-value")
    assert number.get_text() == "45%" and number["aria-hidden"] == "true"


def test_the_yearly_hours_bar_shows_its_percentage(db):
    html = render_to_string(
        "themes/default/_hours.html",
        {"year": 2026, "hours": 12, "target": 32, "percent": 38},
    )
    (line,) = bars(html)
    assert line.select_one(".progress-value").get_text() == "38%"
    assert line.progress["aria-valuetext"] == "已完成 38%"


def test_no_bare_progress_bar_is_left_in_the_portals_templates():
    """Every <progress> of the member portal goes through _progress.html."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "themes" / "templates"
    bare = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if "<progress" in path.read_text(encoding="utf-8")
        and path.name != "_progress.html"
    ]
    assert bare == []
