"""The admin explorer of one page, refused for another lecturer's submission.

Wagtail shows the explorer of any page below the user's explorable root; these
patterns, placed before Wagtail's own (``dangke/urls.py``), answer 404 for a page
``cms.permissions.OwnSubmissionsPagePermissionPolicy`` hides from the user and hand
every other request to Wagtail's view unchanged.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.viewsets.pages import page_viewset_registry
from wagtail.models import Page
from wagtail.permissions import policy_registry

from cms.permissions import OwnSubmissionsPagePermissionPolicy


def _unless_hidden(view):
    @never_cache
    @require_admin_access
    def explore(request, parent_page_id: int, **kwargs):
        policy = policy_registry.get_by_type(Page)
        if isinstance(policy, OwnSubmissionsPagePermissionPolicy):
            visible = policy.pages_without_others(
                user=request.user, pages=Page.objects.filter(pk=parent_page_id)
            )
            if not visible.exists():
                raise Http404("No page matches the given query.")
        return view(request, parent_page_id=parent_page_id, **kwargs)

    return explore


urlpatterns = [
    path(
        "admin/pages/<int:parent_page_id>/",
        _unless_hidden(
            page_viewset_registry.as_view(
                "index", parent_page_id_kwarg="parent_page_id"
            )
        ),
    ),
    path(
        "admin/pages/<int:parent_page_id>/results/",
        _unless_hidden(
            page_viewset_registry.as_view(
                "index_results", parent_page_id_kwarg="parent_page_id"
            )
        ),
    ),
]
