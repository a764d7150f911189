"""Which pages the API v3 page endpoints serve, per caller.

Wagtail's API v3 gives an authenticated caller the pages they may *edit*. That suits
editors (they read drafts through it) but not members: a member's bearer token would
hide every published page. Here only users with admin access keep Wagtail's editing
tier, widened by the pages everyone may read; everyone else (anonymous callers, members with a token) reads the pages the
request may see by cms's one rule (``cms.selectors.pages_visible_to_request``): live
pages, minus those whose view restrictions the caller does not pass (a member passes
"login" and the 党员 group restrictions; a token-only client never passes a password
one). ``dangke.compat`` points Wagtail's page router at this function.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from wagtail.api.v3 import querysets as wagtail_querysets
from wagtail.models import Page

from cms.errors import BadPageQuery
from cms.selectors import pages_visible_to_request

_editing_tier = wagtail_querysets.get_pages_queryset


def pages_queryset_for_request(request: HttpRequest, model=Page):
    try:
        queryset = pages_visible_to_request(
            queryset=model.objects.all(), request=request
        )
    except ValueError as exc:  # ?site= matched several sites
        raise BadPageQuery(str(exc), code="ambiguous_site") from exc
    user = request.user
    if user.is_authenticated and user.has_perm("wagtailadmin.access_admin"):
        # Staff read what they may edit *and* what anyone may read: a lecturer's or
        # a secretary's token still sees the published catalogue.
        editable = _editing_tier(request, model).values("pk")
        queryset = model.objects.filter(
            Q(pk__in=editable) | Q(pk__in=queryset.values("pk"))
        )
    return queryset.select_related("content_type", "locale").order_by("pk")
