"""The browser libraries the portal serves, copied from ``node_modules`` (installed by
``npm ci`` from the committed ``package.json`` and lock) into
``themes/static/themes/vendor/``: no bundler, no CDN.

``python -m themes.vendor`` copies them (``make setup`` and the Dockerfile run it); a
system check warns when they are missing.

It also builds the portal's icon sprite, ``themes/static/themes/img/icons.svg``, from
lucide-static's SVG files (ISC): only the icons in ``ICONS``, each a ``<symbol id="i-…">``.
Unlike the libraries the sprite is committed: every portal page uses it, it is small, and
``tests/themes/test_portal_icons.py`` checks it matches what the pinned package builds.
"""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "themes" / "vendor"

# node_modules path → served name under static/themes/vendor/
FILES = {
    "hls.js/dist/hls.min.mjs": "hls.min.mjs",
    "three/build/three.module.js": "three.module.js",
    "three/build/three.core.js": "three.core.js",
    "axe-core/axe.min.js": "axe.min.js",
    # The admin's resumable upload form; the UMD browser build (``window.tus``):
    # the package's ES modules import its dependencies by bare name.
    "tus-js-client/dist/tus.min.js": "tus.min.js",
}

LUCIDE_DIR = NODE_MODULES / "lucide-static"
SPRITE = Path(__file__).resolve().parent / "static" / "themes" / "img" / "icons.svg"

# Our icon name (the symbol is ``i-<name>``, the ``{% icon %}`` tag's argument) →
# lucide-static's file under icons/. Add a line here, then ``make browser-libs``.
ICONS = {
    "home": "house",
    "book": "book-open",
    "trophy": "trophy",
    "archive": "archive",
    "user": "user",
    "users": "users",
    "search": "search",
    "play": "play",
    "check": "check",
    "check-circle": "circle-check",
    "clock": "clock",
    "calendar": "calendar",
    "map-pin": "map-pin",
    "qr": "qr-code",
    "bell": "bell",
    "log-out": "log-out",
    "chevron-left": "chevron-left",
    "chevron-right": "chevron-right",
    "maximize": "maximize",
    "minimize": "minimize",
    "x": "x",
    "menu": "menu",
    "settings": "settings",
    "lock": "lock",
    "download": "download",
    "file-text": "file-text",
    "graduation-cap": "graduation-cap",
    "video": "video",
    "headphones": "headphones",
    "wifi-off": "wifi-off",
    "list-checks": "list-checks",
    "message": "message-square",
}

SVG_NS = "http://www.w3.org/2000/svg"
# what lucide sets on its <svg>; kept on a <g> inside each symbol so a <use> inherits
# it. The stroke width goes through a custom property so a page's CSS may thicken a
# state (``.icon { --icon-stroke: 2.5 }``): a presentation attribute would win over
# anything the <svg class="icon"> inherits.
_PRESENTATION = ("fill", "stroke", "stroke-linecap", "stroke-linejoin")


def _shape_markup(element: ET.Element) -> str:
    """One shape of an icon as compact markup, attributes in the file's order."""
    tag = element.tag.removeprefix(f"{{{SVG_NS}}}")
    attributes = "".join(f' {name}="{value}"' for name, value in element.attrib.items())
    children = "".join(_shape_markup(child) for child in element)
    if children:
        return f"<{tag}{attributes}>{children}</{tag}>"
    return f"<{tag}{attributes}/>"


def icon_symbol(name: str, path: Path) -> str:
    """The ``<symbol id="i-<name>">`` for one of lucide's SVG files."""
    # a file of the pinned npm package, not user input
    root = ET.fromstring(path.read_text(encoding="utf-8"))  # noqa: S314
    view_box = root.get("viewBox", "0 0 24 24")
    paint = " ".join(
        f'{attribute}="{root.get(attribute)}"'
        for attribute in _PRESENTATION
        if root.get(attribute) is not None
    )
    width = root.get("stroke-width", "2")
    style = f'style="stroke-width:var(--icon-stroke,{width})"'
    shapes = "".join(_shape_markup(child) for child in root)
    return (
        f'<symbol id="i-{name}" viewBox="{view_box}">'
        f"<g {paint} {style}>{shapes}</g></symbol>"
    )


def build_sprite(source: Path = LUCIDE_DIR) -> str:
    """The sprite's text: lucide's licence line, then one symbol per entry of ``ICONS``
    in name order; raise ``FileNotFoundError`` naming the first icon file missing."""
    package = source / "package.json"
    if not package.is_file():
        raise FileNotFoundError(f"{package} is missing: run `npm ci` first")
    version = re.search(r'"version":\s*"([^"]+)"', package.read_text()).group(1)
    symbols = []
    for name in sorted(ICONS):
        path = source / "icons" / f"{ICONS[name]}.svg"
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing (icon {name!r})")
        symbols.append(icon_symbol(name, path))
    notice = (
        f"<!-- Icons from lucide-static {version} (https://lucide.dev), ISC License, "
        "Copyright (c) Lucide Icons and Contributors; "
        "built by themes/vendor.py, do not edit -->"
    )
    body = "\n".join(symbols)
    return f'{notice}\n<svg xmlns="{SVG_NS}">\n{body}\n</svg>\n'


def write_sprite() -> Path:
    """Write ``icons.svg`` (only when it changes, so a checkout stays clean)."""
    text = build_sprite()
    if not SPRITE.is_file() or SPRITE.read_text(encoding="utf-8") != text:
        SPRITE.write_text(text, encoding="utf-8")
    return SPRITE


def missing() -> list[str]:
    """Served names not yet copied."""
    return [name for name in FILES.values() if not (VENDOR_DIR / name).is_file()]


def copy() -> list[Path]:
    """Copy every file; raise ``FileNotFoundError`` naming what ``npm ci`` lacks."""
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    copied = []
    for source, name in FILES.items():
        path = NODE_MODULES / source
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run `npm ci` first")
        target = VENDOR_DIR / name
        shutil.copyfile(path, target)
        copied.append(target)
    return copied


if __name__ == "__main__":
    try:
        done = copy()
        sprite = write_sprite()
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    print(f"copied {len(done)} browser libraries to {VENDOR_DIR.relative_to(ROOT)}")
    print(f"built {sprite.relative_to(ROOT)} ({len(ICONS)} icons)")
