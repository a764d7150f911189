from django import template

from cms.selectors import page_is_public

register = template.Library()


@register.filter
def is_public(page) -> bool:
    """Live, and neither the page nor an ancestor is restricted: the portal shows
    exactly what the API and search show, never a draft's or restricted page's title."""
    return page is not None and page_is_public(page)
