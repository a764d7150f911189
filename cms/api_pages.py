"""Which pages the API v3 page endpoints serve, per caller.

Wagtail's API v3 gives an authenticated caller the pages they may *edit*. That suits
editors (they read drafts through it) but not members: a member's bearer token would
hide every published page. Here only users with admin access keep Wagtail's editing
tier; everyone else (anonymous callers, members with a token) reads the public tier:
live pages, minus those whose view restrictions the caller does not pass (a member
passes "login" and the 党员 group restrictions, not a password one).
"""

from __future__ import annotations

from http import HTTPStatus

from django.http import HttpRequest
from ninja.errors import HttpError
from wagtail.api.querysets import get_public_pages_queryset
from wagtail.api.v3 import querysets as wagtail_querysets
from wagtail.api.v3.routers import pages as wagtail_pages_router
from wagtail.models import Page

_editing_tier = wagtail_querysets.get_pages_queryset


def pages_queryset_for_request(request: HttpRequest, model=Page):
    user = request.user
    if user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        return _editing_tier(request, model)
    try:
        queryset = get_public_pages_queryset(request, model)
    except ValueError as exc:  # ?site= matched several sites
        raise HttpError(HTTPStatus.BAD_REQUEST, str(exc)) from exc
    return queryset.select_related("content_type", "locale").order_by("pk")


def install() -> None:
    """Point the page router at ``pages_queryset_for_request`` (it looks the function
    up by its module-level name on every request)."""
    wagtail_pages_router.get_pages_queryset = pages_queryset_for_request
