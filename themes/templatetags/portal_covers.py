"""``{% page_cover page %}``: a page's cover (``cms.covers``) as a responsive picture.

    {% load portal_covers %}
    {% page_cover course %}                   a card's 16:9 picture, lazy, decorative
    {% page_cover page variant="header" %}    the page's own header, eager, with alt
    {% page_cover item.page variant="thumb" %} a small picture beside a list item

Which picture (the image, else a lesson's poster when the viewer may see the lesson)
is decided in ``cms.covers.page_cover``; this tag passes the request and renders.
"""

from __future__ import annotations

from typing import Any

from django import template

from cms.covers import page_cover as cover_of

register = template.Library()

VARIANTS = ("card", "header", "thumb")


@register.inclusion_tag("themes/default/_cover.html", takes_context=True)
def page_cover(context, page: Any, variant: str = "card") -> dict[str, Any]:
    if variant not in VARIANTS:
        raise template.TemplateSyntaxError(
            f"unknown cover variant {variant!r}: one of {', '.join(VARIANTS)}"
        )
    cover = cover_of(page=page, request=context.get("request")) if page else None
    return {"cover": cover, "variant": variant}
