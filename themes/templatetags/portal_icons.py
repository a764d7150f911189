"""``{% icon "home" %}``: one symbol of the portal's SVG sprite (built from lucide-static
by ``themes/vendor.py``), decorative by default, labelled when given ``label``.

    {% load portal_icons %}
    {% icon "search" %}                 aria-hidden, next to a visible word
    {% icon "qr" label="扫码签到" %}     an icon standing alone: role="img" + aria-label
    {% icon "play" class="icon--lg" %}  extra classes after ``icon``
"""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from themes.vendor import ICONS

register = template.Library()

SPRITE_PATH = "themes/img/icons.svg"


@register.simple_tag
def icon(name: str, label: str = "", **kwargs: str) -> str:
    """The ``<svg><use href="…icons.svg#i-<name>"></use></svg>`` for ``name``; an
    unknown name raises ``TemplateSyntaxError`` so a typo fails the page's tests instead
    of rendering an empty box."""
    if name not in ICONS:
        raise template.TemplateSyntaxError(
            f"unknown icon {name!r}: add it to ICONS in themes/vendor.py"
        )
    classes = " ".join(filter(None, ("icon", kwargs.get("class", ""))))
    href = f"{static(SPRITE_PATH)}#i-{name}"
    if label:
        return format_html(
            '<svg class="{}" role="img" aria-label="{}" focusable="false">'
            '<use href="{}"></use></svg>',
            classes,
            label,
            href,
        )
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
        classes,
        href,
    )
