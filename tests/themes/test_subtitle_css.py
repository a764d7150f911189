"""Subtitles readable on a phone: the browser's own cues are ≈ 10 px at 375 px, so
portal.css sizes ``video::cue`` (and the 360° viewer's cue box) with a floor of
16 px, larger in 长辈模式, on a translucent black background. ``::cue``'s computed
style cannot be read from a page's script, so the rule itself is checked here; the
cue box's computed size is checked in a browser (tests/e2e/test_vr_player.py)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).parents[2] / "themes/static/themes/css/portal.css"


def _rule(css: str, selector: str) -> str:
    match = re.search(r"(?:^|[}/])\s*" + re.escape(selector) + r"\s*{([^}]*)}", css)
    assert match, f"no rule for {selector}"
    return match.group(1)


def _floor(declarations: str) -> int:
    match = re.search(
        r"font-size:\s*clamp\((\d+)px,\s*[\d.]+vw,\s*(\d+)px\)", declarations
    )
    assert match, declarations
    return int(match.group(1))


def test_cues_are_readable_and_larger_in_elder_mode():
    css = CSS.read_text()
    for selector in ("video::cue", ".panorama-cues"):
        normal = _rule(css, selector)
        elder = _rule(css, f"html.elder {selector}")
        assert _floor(normal) >= 16
        assert _floor(elder) > _floor(normal)
        assert re.search(
            r"background(?:-color)?:\s*rgba\(0,\s*0,\s*0,\s*0?\.[5-9]", normal
        )
        assert "color: #fff" in normal
