"""Template tags of the teaching site pages (Wagtail renders those, so the map and
the navigation links come through a tag: the sites and routes are read by
``cms.selectors``, the map laid out by ``themes.map_layout``, and
``themes.views_sites.site_page_extras`` puts them together)."""

from __future__ import annotations

from django import template

from themes import views_sites

register = template.Library()


@register.simple_tag
def site_page_extras(page) -> dict:
    """A teaching site's small map, its "导航" links and the routes through it."""
    return views_sites.site_page_extras(page)
