"""The home page's 直播 block: live now and coming up for the signed-in member
(``broadcasts.selectors.portal_lectures``)."""

from __future__ import annotations

from typing import Any

from django import template

from broadcasts import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def live_lectures(context) -> dict[str, Any] | None:
    """``{"live": [...], "upcoming": [...]}`` for the portal's member, or None when
    there is nothing to show."""
    member = context.get("portal_member")
    if member is None:
        return None
    block = selectors.portal_lectures(member=member)
    return block if block["live"] or block["upcoming"] else None
