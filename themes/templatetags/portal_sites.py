"""Template tags of the teaching site pages (Wagtail renders those, so the map and
the navigation links come through a tag; the work is in ``themes.views_sites``)."""

from __future__ import annotations

from django import template

from themes import views_sites

register = template.Library()


@register.simple_tag
def site_page_extras(page) -> dict:
    """A teaching site's small map, its "导航" links and the routes through it."""
    return views_sites.site_page_extras(page)
