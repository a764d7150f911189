"""The portal's icon sprite (lucide-static, built by themes/vendor.py) and the
``{% icon %}`` tag that points into it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template, TemplateSyntaxError

from themes import vendor

SVG = "{http://www.w3.org/2000/svg}"
# the names other parts of the portal (tab bar, hall screens) rely on
REQUIRED = {
    "home", "book", "trophy", "archive", "user", "search", "play", "check", "clock",
    "calendar", "map-pin", "qr", "bell", "log-out", "chevron-right", "maximize",
}  # fmt: skip


def committed_sprite() -> ET.Element:
    return ET.parse(finders.find("themes/img/icons.svg")).getroot()  # noqa: S314


def test_the_committed_sprite_has_one_symbol_per_icon_with_its_shapes():
    symbols = {s.get("id"): s for s in committed_sprite().iter(f"{SVG}symbol")}
    assert REQUIRED <= {i.removeprefix("i-") for i in symbols}
    assert set(symbols) == {f"i-{name}" for name in vendor.ICONS}
    for symbol in symbols.values():
        assert symbol.get("viewBox") == "0 0 24 24"
        group = symbol.find(f"{SVG}g")
        # lucide's stroke style travels inside the symbol, so <use> draws outlines
        assert group.get("stroke") == "currentColor"
        assert group.get("fill") == "none"
        assert len(group) >= 1


def test_the_sprite_carries_the_licence_notice():
    text = open(finders.find("themes/img/icons.svg"), encoding="utf-8").read()
    assert "lucide-static" in text and "ISC License" in text


@pytest.mark.skipif(
    not (vendor.LUCIDE_DIR / "package.json").is_file(), reason="npm ci not run"
)
def test_the_committed_sprite_is_what_the_pinned_package_builds():
    """Bumping lucide-static or ICONS without `make browser-libs` fails here."""
    assert vendor.SPRITE.read_text(encoding="utf-8") == vendor.build_sprite()


def test_build_sprite_names_a_missing_icon_file(tmp_path):
    (tmp_path / "icons").mkdir()
    (tmp_path / "package.json").write_text('{"version": "9.9.9"}')
    with pytest.raises(FileNotFoundError, match="icon 'archive'"):
        vendor.build_sprite(tmp_path)


def test_build_sprite_turns_an_icon_file_into_a_symbol(tmp_path, monkeypatch):
    (tmp_path / "icons").mkdir()
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.2.3"}')
    (tmp_path / "icons" / "star.svg").write_text(
        '<!-- @license -->\n<svg xmlns="http://www.w3.org/2000/svg" width="24" '
        'height="24" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
        'stroke-width="2"><path d="M1 1h2"/><circle cx="5" cy="5" r="1"/></svg>'
    )
    monkeypatch.setattr(vendor, "ICONS", {"fav": "star"})
    text = vendor.build_sprite(tmp_path)
    assert "lucide-static 1.2.3" in text
    root = ET.fromstring(text.split("-->", 1)[1])  # noqa: S314
    (symbol,) = root
    assert symbol.get("id") == "i-fav"
    group = symbol[0]
    # the width through a custom property, so CSS may thicken one state
    assert group.get("style") == "stroke-width:var(--icon-stroke,2)"
    assert [child.tag for child in group] == [f"{SVG}path", f"{SVG}circle"]
    assert group[0].get("d") == "M1 1h2"


def render(source: str) -> str:
    return Template("{% load portal_icons %}" + source).render(Context())


def test_icon_tag_points_into_the_sprite_and_hides_from_screen_readers():
    html = render('{% icon "home" %}')
    assert html == (
        '<svg class="icon" aria-hidden="true" focusable="false">'
        '<use href="/static/themes/img/icons.svg#i-home"></use></svg>'
    )


def test_icon_tag_with_a_label_is_an_image_and_takes_classes():
    html = render('{% icon "qr" label="扫码签到" class="icon--lg" %}')
    assert 'class="icon icon--lg"' in html
    assert 'role="img" aria-label="扫码签到"' in html
    assert "aria-hidden" not in html
    assert "#i-qr" in html


def test_icon_tag_refuses_an_unknown_name():
    with pytest.raises(TemplateSyntaxError, match="unknown icon 'hom'"):
        render('{% icon "hom" %}')
