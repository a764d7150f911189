"""Each patch in ``dangke.compat`` still touches what it was written for; these fail
loudly when an upgrade of django-ninja or Wagtail changes those internals."""

from __future__ import annotations

import inspect

from ninja import NinjaAPI, Router

from dangke import compat


def test_ninja_still_keeps_its_mounts_where_unmount_edits_them():
    api = NinjaAPI(urls_namespace="compat-test")
    kept, dropped = Router(), Router()

    @kept.get("/x", operation_id="compat_kept")
    def kept_view(request):
        return {}

    @dropped.get("/y", operation_id="compat_dropped")
    def dropped_view(request):
        return {}

    api.add_router("/kept/", kept)
    api.add_router("/dropped/", dropped)
    # ninja mounts its own default router at "" first
    assert [r[0] for r in api._router_registrations][-2:] == ["/kept/", "/dropped/"]
    assert [prefix for prefix, _ in api._routers][-2:] == ["/kept/", "/dropped/"]

    compat.api_routers_unmount(api, {"/dropped/"})

    routes = [str(pattern.pattern) for pattern in api.urls[0]]
    assert "kept/x" in routes, routes
    assert not any(route.startswith("dropped/") for route in routes), routes


def test_the_project_api_has_no_file_or_redirect_listings(client, db):
    paths = client.get("/api/v3/openapi.json").json()["paths"]
    for prefix in ("/documents/", "/images/", "/redirects/"):
        assert not any(prefix in path for path in paths), prefix
        assert client.get(f"/api/v3{prefix}").status_code == 404


def test_wagtail_pages_router_still_looks_up_get_pages_queryset_by_name():
    from wagtail.api.v3.routers import pages

    source = inspect.getsource(pages)
    assert "from wagtail.api.v3.querysets import get_pages_queryset" in source
    assert source.count("get_pages_queryset(request") >= 4


def test_the_page_router_reads_through_dangke_rule():
    from wagtail.api.v3.routers import pages

    from cms.api_pages import pages_queryset_for_request

    assert pages.get_pages_queryset is pages_queryset_for_request


def test_wagtail_spreadsheet_exports_write_every_cell_through_the_patched_hook():
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    source = inspect.getsource(SpreadsheetExportMixin)
    # both writers (CSV rows and XLSX cells) take their values from the hook
    assert source.count("self.preprocess_field_value(field, value, self.FORMAT_") == 2
    assert SpreadsheetExportMixin.preprocess_field_value.dangke_cells_safe
    assert (
        SpreadsheetExportMixin().preprocess_field_value("f", "=1+1", "csv") == "'=1+1"
    )


def test_ninja_operations_read_values_through_the_hook_after_their_checks():
    from ninja.operation import Operation

    source = inspect.getsource(Operation.run)
    assert source.index("self._run_checks(request)") < source.index(
        "self._get_values(request, kw, temporal_response)"
    )


def test_wagtail_page_operations_expose_their_permission_gate():
    from wagtail.models import Page

    from dangke.api import api

    gates = {
        operation.operation_id: compat.wagtail_required_permission(operation.view_func)
        for _prefix, operation in compat.api_operations(api)
    }
    assert gates["pages_create"] == (Page, ("add",))
    assert gates["pages_update"] == (Page, ("change",))
    assert gates["pages_list"] is None
