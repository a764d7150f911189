"""The browser libraries the portal serves, copied from ``node_modules`` (installed by
``npm ci`` from the committed ``package.json`` and lock) into
``themes/static/themes/vendor/``: no bundler, no CDN.

``python -m themes.vendor`` copies them (``make setup`` and the Dockerfile run it); a
system check warns when they are missing.
"""

from __future__ import annotations

import shutil
import sys
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
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    print(f"copied {len(done)} browser libraries to {VENDOR_DIR.relative_to(ROOT)}")
