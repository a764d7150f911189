"""Covers (封面) of topics, courses, micro-lessons and VR courseware: one rule for the
portal's cards and headers and the API.

A page's cover is the Wagtail image its editors picked (``cover``); a lesson or VR
courseware without one shows its video's poster. The poster's URL is signed and is
the only key to the file, so it is handed out only to a viewer who may see the page
(the player's rule): ``request`` given, the page must be visible to it; without a
request (the API, which serialises only public pages), the page must be public.

Images are offered as responsive renditions: 16:9 crops at a few widths, WebP with
a JPEG fallback (``CARD_SPECS``/``HEADER_SPECS``, the portal's ``<picture>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from wagtail.models import Page

from cms.selectors import page_is_public, page_visible_to_request

# 16:9 crops; the first width is the <img> fallback, all of them the srcset
CARD_WIDTHS = (320, 640, 960)
HEADER_WIDTHS = (640, 960, 1280)
# what the API returns beside the portal's renditions: one crop in two formats
API_SPEC = "fill-640x360"


def fill_specs(widths: tuple[int, ...]) -> str:
    """Wagtail's brace syntax for ``{% picture %}``: ``fill-{320x180,640x360}``."""
    return "fill-{" + ",".join(f"{w}x{w * 9 // 16}" for w in widths) + "}"


CARD_SPECS = fill_specs(CARD_WIDTHS)
HEADER_SPECS = fill_specs(HEADER_WIDTHS)


@dataclass(frozen=True)
class Cover:
    """What a page shows as its picture: an ``image`` (a Wagtail image, rendered as
    renditions) or a ``poster_url`` with the poster's own size."""

    alt: str
    image: Any = None
    poster_url: str = ""
    width: int = 0
    height: int = 0

    @property
    def kind(self) -> str:
        return "image" if self.image is not None else "poster"


def image_alt(image: Any) -> str:
    """An image's alt text: its description (Wagtail's alt text field), else its
    title."""
    return (getattr(image, "description", "") or image.title).strip()


def page_cover(*, page: Page, request: HttpRequest | None = None) -> Cover | None:
    """The cover of ``page`` (any page type; only those with ``cover`` have one):
    the chosen image, else the poster of its playable video when the viewer may see
    the page, else None."""
    page = page.specific
    image = getattr(page, "cover", None)
    if image is not None:
        return Cover(alt=image_alt(image), image=image)
    asset = getattr(page, "video", None)
    if asset is None:
        return None
    from media_pipeline.selectors import (
        video_asset_poster_size,
        video_asset_poster_url,
    )

    url = video_asset_poster_url(asset=asset)
    if url is None:
        return None
    allowed = (
        page_is_public(page=page)
        if request is None
        else page_visible_to_request(page=page, request=request)
    )
    if not allowed:
        return None
    width, height = video_asset_poster_size(asset=asset)
    return Cover(
        alt=f"{page.title}（视频画面）", poster_url=url, width=width, height=height
    )


def cover_api_data(*, page: Page) -> dict[str, Any] | None:
    """A cover as the API gives it: ``kind`` (image | poster), ``url`` (JPEG),
    ``webp_url`` (images only), ``width``, ``height``, ``alt``."""
    cover = page_cover(page=page)
    if cover is None:
        return None
    if cover.image is None:
        return {
            "kind": "poster",
            "url": cover.poster_url,
            "webp_url": None,
            "width": cover.width,
            "height": cover.height,
            "alt": cover.alt,
        }
    renditions = cover.image.get_renditions(
        f"{API_SPEC}|format-jpeg", f"{API_SPEC}|format-webp"
    )
    jpeg = renditions[f"{API_SPEC}|format-jpeg"]
    webp = renditions[f"{API_SPEC}|format-webp"]
    return {
        "kind": "image",
        "url": jpeg.url,
        "webp_url": webp.url,
        "width": jpeg.width,
        "height": jpeg.height,
        "alt": cover.alt,
    }
