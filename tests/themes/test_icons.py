"""The portal's icons: /favicon.ico answers with an icon, and every page links the
favicon, the SVG, the touch icon and a web app manifest with 192 and 512 px icons."""

from __future__ import annotations

import io
import json

from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.staticfiles import finders
from PIL import Image


def test_favicon_ico_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    body = b"".join(response.streaming_content)
    icon = Image.open(io.BytesIO(body))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= set(icon.info["sizes"])


def test_pages_link_the_icons_and_the_manifest(client, home_page):
    page = BeautifulSoup(client.get("/").content, "html.parser")
    links = {
        (link["rel"][0], link.get("type", "")): link["href"]
        for link in page.select("head link[rel]")
    }
    for rel, kind in (
        ("icon", ""),
        ("icon", "image/svg+xml"),
        ("apple-touch-icon", ""),
        ("manifest", ""),
    ):
        href = links[(rel, kind)]
        # static files are served by WhiteNoise or runserver, not the test client
        assert href.startswith(settings.STATIC_URL), href
        assert finders.find(href.removeprefix(settings.STATIC_URL)), href

    manifest = json.loads(open(finders.find("themes/manifest.webmanifest")).read())
    sizes = {}
    for icon in manifest["icons"]:
        path = finders.find(f"themes/{icon['src']}")
        assert path, icon["src"]
        if icon["type"] == "image/png":
            sizes[icon["sizes"]] = Image.open(path).size
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}
