"""The framework patches dangke cannot do without, in one place.

Each patch names the upstream version it was written for and has a test in
``tests/dangke/test_compat.py`` that fails loudly when the internals it touches
change; prefer a public extension point whenever an upgrade offers one. Everything
else (error handlers, routers) uses public APIs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation


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


def api_operations(api: NinjaAPI) -> Iterator[tuple[str, Operation]]:
    """Every operation ``api`` serves (and documents), with its router prefix.

    Why: the guards of ``dangke.api_requests`` wrap each operation, and ninja binds
    a copy of every router's operations to the API, offering no public iterator.

    Written for django-ninja 1.7.1: ``NinjaAPI._get_bound_routers()`` builds (once,
    cached) the ``BoundRouter``s whose ``path_operations`` hold the ``PathView``s
    that both ``api.urls`` and the OpenAPI document read; call it only after the
    last ``add_router``.
    """
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                yield bound.prefix, operation


def api_operation_remove(api: NinjaAPI, operation: Operation) -> None:
    """Stop serving and documenting ``operation`` (before ``api.urls`` is read).

    Written for django-ninja 1.7.1 (see ``api_operations``); a path left with no
    operation is dropped, so it answers 404.
    """
    for bound in api._get_bound_routers():
        for path, path_view in list(bound.path_operations.items()):
            if operation in path_view.operations:
                path_view.operations.remove(operation)
                if not path_view.operations:
                    del bound.path_operations[path]


def api_operation_check_before_values(
    operation: Operation, check: Callable[[Operation, HttpRequest, dict], None]
) -> None:
    """Run ``check(operation, request, path_params)`` after ``operation``'s
    authentication and before it reads any parameter or body; what ``check``
    raises is answered by the API's exception handlers.

    Why: ninja validates the body before the view runs, so a permission the view
    checks comes after the body's errors, and a body that crashes a validator
    (Wagtail's page unions take any JSON value for a model) never reaches a view.

    Written for django-ninja 1.7.1: ``Operation.run`` runs ``_run_checks`` (auth,
    throttling), then ``_get_values(request, path_params, temporal_response)``
    inside the ``try`` whose exceptions go to ``api.on_exception``.
    """
    read_values = operation._get_values

    def checked_get_values(request, path_params, temporal_response):
        check(operation, request, path_params)
        return read_values(request, path_params, temporal_response)

    operation._get_values = checked_get_values


def operation_json_body(operation: Operation) -> tuple[str | None, Any] | None:
    """``(name, annotation)`` of the JSON body ``operation`` takes (``name`` None
    when several body parameters share the body as an object), or None when it
    takes none (forms and files are not JSON bodies).

    Written for django-ninja 1.7.1: ``Operation.models`` holds one ``ParamModel``
    per source; a JSON body's is a ``BodyModel`` with ``__read_from_single_attr__``
    (a multipart body's has ``__ninja_body_params__`` instead).
    """
    from ninja.params.models import BodyModel

    for model in operation.models:
        if not issubclass(model, BodyModel) or hasattr(model, "__ninja_body_params__"):
            continue
        name = getattr(model, "__read_from_single_attr__", None)
        if name is None:
            return None, dict
        return name, model.model_fields[name].annotation
    return None


def operation_path_annotations(operation: Operation) -> dict[str, Any]:
    """The declared type of each of ``operation``'s path parameters.

    Written for django-ninja 1.7.1: the path parameters are the fields of the
    ``PathModel`` in ``Operation.models``.
    """
    from ninja.params.models import PathModel

    return {
        name: field.annotation
        for model in operation.models
        if issubclass(model, PathModel)
        for name, field in model.model_fields.items()
    }


def wagtail_required_permission(view_func: Callable) -> tuple[Any, Any] | None:
    """``(model, actions)`` of the ``require_any_permission`` gate around a Wagtail
    API view, or None when it has none.

    Why: the gate runs inside the view, after the body has been validated; dangke
    runs it first (``dangke.api_requests``) so a caller without the permission
    learns nothing from the body's errors.

    Written for Wagtail 8.0.1: ``wagtail.api.v3.permissions.require_any_permission``
    wraps the view with ``functools.wraps`` in a closure over ``model`` and
    ``actions``; ``ninja.pagination.paginate`` may wrap that again (also with
    ``functools.wraps``).
    """
    func: Callable | None = view_func
    while func is not None:
        # ``functools.wraps`` copies the view's name; the code keeps its own.
        code = getattr(func, "__code__", None)
        if code is not None and code.co_qualname.startswith("require_any_permission."):
            names = inspect.getclosurevars(func).nonlocals
            return names["model"], names["actions"]
        func = getattr(func, "__wrapped__", None)
    return None
