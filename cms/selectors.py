"""Reads of content that other apps and the API use."""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail.models import Page


def pages_visible_to_public(queryset: QuerySet) -> QuerySet:
    """Keep only live pages without view restrictions on them or their ancestors."""
    return queryset.live().public()


def page_is_public(page: Page) -> bool:
    """True when ``page`` is live and neither it nor an ancestor is restricted."""
    return page.live and not page.get_view_restrictions().exists()
