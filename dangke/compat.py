"""The framework patches dangke cannot do without, in one place.

Each patch names the upstream version it was written for and has a test in
``tests/dangke/test_compat.py`` that fails loudly when the internals it touches
change; prefer a public extension point whenever an upgrade offers one. Everything
else (error handlers, routers) uses public APIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ninja import NinjaAPI


def api_routers_unmount(api: NinjaAPI, prefixes: Iterable[str]) -> None:
    """Remove the routers mounted at ``prefixes`` before ``api.urls`` is first read.

    Why: Wagtail's documents, images and redirects apps mount their API v3 routers
    from their ``AppConfig.ready()`` and those list every file and redirect to
    anonymous callers, whatever page uses them. ninja has no public way to unmount.

    Written for django-ninja 1.7.1 (``NinjaAPI._router_registrations``: tuples whose
    first item is the prefix; ``NinjaAPI._routers``: ``(prefix, router)`` pairs, kept
    for backward compatibility) and Wagtail 8.0.1.
    """
    unwanted = set(prefixes)
    api._router_registrations = [
        registration
        for registration in api._router_registrations
        if registration[0] not in unwanted
    ]
    api._routers = [(prefix, r) for prefix, r in api._routers if prefix not in unwanted]


def wagtail_pages_queryset_replace(get_pages_queryset: Callable) -> None:
    """Make Wagtail's API v3 page router read pages through ``get_pages_queryset``.

    Why: the router gives an authenticated caller the pages they may *edit*, which
    suits editors but hides every published page from a member with a token; Wagtail
    offers no setting or hook for the tier.

    Written for Wagtail 8.0.1: ``wagtail.api.v3.routers.pages`` imports
    ``get_pages_queryset`` by name and looks it up as a module global on every
    request.
    """
    from wagtail.api.v3.routers import pages as wagtail_pages_router

    wagtail_pages_router.get_pages_queryset = get_pages_queryset


def wagtail_spreadsheet_exports_make_cells_safe() -> None:
    """Make every CSV/XLSX export of Wagtail's admin write cells through
    ``dangke.exports.cell_safe`` (OWASP CSV injection).

    Why: Wagtail's ``SpreadsheetExportMixin`` (its reports: aging pages, locked
    pages, site history, workflows; form submissions; redirects; any listing with
    ``list_export``) writes a page title, user name or submitted value starting
    with ``=``, ``+``, ``-`` or ``@`` raw into CSV, and in XLSX only stops openpyxl
    from storing it as a formula; a spreadsheet runs it when the cell is edited.
    Wagtail has no setting for it.

    Written for Wagtail 8.0.1: every cell of both formats goes through
    ``SpreadsheetExportMixin.preprocess_field_value(field, value, export_format)``.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    from dangke.exports import cell_safe

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "dangke_cells_safe", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        return cell_safe(original(self, field, value, export_format))

    preprocess_field_value.dangke_cells_safe = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
