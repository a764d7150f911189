"""The framework patches dangke cannot do without, in one place, and their inventory.

Each patch relies on internals of Wagtail or django-ninja that no public API offers.
Before it applies (and once at start-up, from ``DangkeConfig.ready()``, through
``patches_check``) it checks that those internals are still where it was written to
find them; when one has moved, start-up stops with ``PatchTargetMissing`` (an
``ImproperlyConfigured``) naming the patch and the missing target, instead of the
patch silently not applying. An upgrade that keeps the internals passes whatever its
version number; one that moves them has to come with the patch adapted, or replaced
by the public hook the new version may offer. ``tests/dangke/test_compat.py`` checks
each target and that this inventory lists exactly the patches the project applies.

Inventory
---------

``api_routers_unmount`` — changes; django-ninja 1.7.1, Wagtail 8.0.1
    What: removes the routers mounted at the given prefixes from the API before
    ``api.urls`` is first read (``/documents/``, ``/images/``, ``/redirects/``).
    Why: Wagtail's documents, images and redirects apps mount their API v3 routers
    from their ``AppConfig.ready()``, and those list every file and redirect to
    anonymous callers, whatever page uses them (docs/decisions/0007).
    Relies on: ``NinjaAPI._router_registrations`` (tuples whose first item is the
    prefix), read by ``NinjaAPI._get_bound_routers`` when the URLs are built;
    ``NinjaAPI._routers`` (``(prefix, router)`` pairs kept for backward
    compatibility).
    If it changes: start-up stops; also when a prefix to remove is not mounted (a
    renamed mount would otherwise stay served) or the URLs were already built.
    Public hook: none; ninja's ``add_router`` only appends, and Wagtail mounts the
    routers unconditionally.

``wagtail_pages_queryset_replace`` — changes; Wagtail 8.0.1
    What: points Wagtail's API v3 page router at ``cms.api_pages``'s queryset.
    Why: the router gives an authenticated caller the pages they may *edit*, which
    hides every published page from a member with a token.
    Relies on: ``wagtail.api.v3.routers.pages`` importing ``get_pages_queryset`` by
    name from ``wagtail.api.v3.querysets`` and calling it as a module global.
    If it changes: start-up stops (the router's source is read, not imported, at
    start-up: importing it early would build its schemas before the apps are ready).
    Public hook: none; no setting or hook chooses the tier.

``wagtail_spreadsheet_exports_make_cells_safe`` — changes; Wagtail 8.0.1
    What: every cell of Wagtail's admin CSV/XLSX exports goes through
    ``dangke.exports.cell_safe`` (OWASP CSV injection).
    Why: ``SpreadsheetExportMixin`` (reports, form submissions, redirects, every
    ``list_export``) writes ``=…``, ``+…``, ``-…``, ``@…`` raw into CSV.
    Relies on: ``SpreadsheetExportMixin.preprocess_field_value``, called by both
    writers (CSV rows and XLSX cells).
    If it changes: start-up stops.
    Public hook: ``preprocess_field_value`` and ``custom_field_preprocess`` are
    chosen per view class (the latter per field too), so each of Wagtail's own
    export views would need a subclass; no setting covers them all.

``modelsearch_sqlite_quotes_escape`` — changes; modelsearch 1.3.2
    What: a double quote in a search term reaches SQLite's full-text query doubled
    (``""``), which FTS5 reads as a quote inside the quoted term.
    Why: the SQLite database backend (Wagtail's search on the embedded database)
    quotes each term (``"term"``) but doubles only ``'`` in it: a term with ``"``
    ends the string early and FTS5 raises "unterminated string", a 500 for the
    admin's document listing or chooser searched for ``"``.
    Relies on: ``modelsearch.backends.database.sqlite.query.Lexeme.as_sql``
    returning ``(template, [term])`` with the template ``"%s"`` (or ``"%s"*``).
    If it changes: start-up stops (on SQLite; on PostgreSQL that module cannot
    load and the patch does nothing).
    Public hook: none; the database backend picks its SQLite query classes itself.

``api_operations`` — reads; django-ninja 1.7.1
    What: every operation the API serves and documents, with its router prefix.
    Why: ``dangke.api_requests`` installs its checks on each operation.
    Relies on: ``NinjaAPI._get_bound_routers()``, ``BoundRouter.prefix`` and
    ``.path_operations`` (``PathView``s), ``PathView.operations``.
    If it changes: start-up stops.
    Public hook: none; ``api.urls`` yields Django URL patterns, not operations.

``api_operation_remove`` — changes; django-ninja 1.7.1
    What: stops serving and documenting an operation no request can reach.
    Why: Wagtail's snippet revision and action operations take a path parameter whose
    only allowed value is ``""`` when no snippet model keeps revisions.
    Relies on: as ``api_operations``.
    If it changes: start-up stops.
    Public hook: ``include_in_schema=False`` is chosen where an operation is
    declared (in Wagtail), and would still serve it.

``api_operation_check_before_values`` — changes; django-ninja 1.7.1
    What: runs ``dangke.api_requests.request_check`` after authentication and before
    the operation reads its parameters and body.
    Why: ninja validates the body before the view runs, so a permission the view
    checks comes after the body's errors, and a body that crashes a validator never
    reaches a view.
    Relies on: ``Operation.run`` calling ``self._run_checks`` (authentication,
    throttling) and then ``self._get_values`` inside the ``try`` whose exceptions go
    to ``api.on_exception``.
    If it changes: start-up stops.
    Public hook: ninja's ``add_decorator`` wraps either ``Operation.run`` (mode
    ``"view"``: before authentication, so no user yet) or the view (mode
    ``"operation"``: after the body is validated); neither sits between.

``operation_json_body`` — reads; django-ninja 1.7.1
    What: the name and declared type of an operation's JSON body.
    Why: the 415 and 422 checks of ``dangke.api_requests``.
    Relies on: ``Operation.models``; ``ninja.params.models.BodyModel``; the
    attributes ``__read_from_single_attr__`` (JSON body) and
    ``__ninja_body_params__`` (multipart body) that ``ninja.signature.details``
    sets on it.
    If it changes: start-up stops.
    Public hook: none (the OpenAPI document describes bodies, but after ninja's
    rendering, not as the Python types the check compares).

``operation_path_annotations`` — reads; django-ninja 1.7.1
    What: the declared type of each path parameter of an operation.
    Why: finding the operations no request can reach (``Literal[""]``).
    Relies on: ``Operation.models``; ``ninja.params.models.PathModel``.
    If it changes: start-up stops.
    Public hook: none.

``wagtail_required_permission`` — reads; Wagtail 8.0.1
    What: the ``(model, actions)`` of the ``require_any_permission`` gate around a
    Wagtail API view, or None.
    Why: ``dangke.api_requests`` checks the gate before the body is read, so a
    caller without the permission learns nothing from the body's errors.
    Relies on: ``wagtail.api.v3.permissions.require_any_permission`` wrapping the
    view with ``functools.wraps`` in a closure over ``model`` and ``actions``.
    If it changes: start-up stops. (Before, an unrecognised gate read as "no gate",
    and the permission-first check silently stopped: it failed open.) Start-up
    decorates a probe view with the installed ``require_any_permission`` and reads
    the gate back.
    Public hook: none; the gate is a closure.
"""

from __future__ import annotations

import ast
import dis
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation

DISTRIBUTIONS = {
    "django-ninja": "django-ninja",
    "Wagtail": "wagtail",
    "modelsearch": "modelsearch",
}


class PatchTargetMissing(ImproperlyConfigured):
    """A framework internal a patch of ``dangke.compat`` relies on has moved."""

    def __init__(self, patch: str, target: str):
        self.patch = patch
        self.target = target
        written_for = PATCHES[patch].written_for if patch in PATCHES else "?"
        installed = ", ".join(
            f"{name} {_installed_version(distribution)}"
            for name, distribution in DISTRIBUTIONS.items()
        )
        super().__init__(
            f"dangke.compat.{patch} cannot apply: {target} is missing "
            f"(the patch was written for {written_for}; installed: {installed}). "
            "Adapt the patch to the installed version, or use the public hook it "
            "now offers; see the inventory in dangke/compat.py."
        )


def _installed_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@dataclass(frozen=True)
class Patch:
    name: str
    changes: bool  # True: changes the framework's behaviour; False: reads internals
    written_for: str
    check: Callable[[], None]


PATCHES: dict[str, Patch] = {}
# Patches used (applied, or read through) in this process, each checked first.
APPLIED: set[str] = set()


def patch_check(name: str) -> None:
    """Check that what patch ``name`` relies on is still there; raises
    ``PatchTargetMissing`` naming the patch and the missing target."""
    PATCHES[name].check()


def patches_check() -> None:
    """Check every patch's targets (at start-up, from ``DangkeConfig.ready()``)."""
    for name in PATCHES:
        patch_check(name)


def _patch(*, changes: bool, written_for: str, check: Callable[[str], None]):
    """Register the decorated function as a patch, checked before its first use."""

    def register(func: Callable) -> Callable:
        name = func.__name__
        PATCHES[name] = Patch(
            name, changes, written_for, functools.partial(check, name)
        )

        @functools.wraps(func)
        def checked(*args, **kwargs):
            if name not in APPLIED:
                patch_check(name)
                APPLIED.add(name)
            return func(*args, **kwargs)

        return checked

    return register


# --- finding the targets ------------------------------------------------------------


def _target(patch: str, module_name: str, qualname: str) -> Any:
    """The object ``module_name.qualname`` (the module when ``qualname`` is empty),
    or ``PatchTargetMissing``."""
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError:
        raise PatchTargetMissing(patch, f"the module {module_name}") from None
    for part in qualname.split(".") if qualname else ():
        try:
            found = inspect.getattr_static(found, part)
        except AttributeError:
            raise PatchTargetMissing(patch, f"{module_name}.{qualname}") from None
    if isinstance(found, (staticmethod, classmethod)):
        found = found.__func__
    return found


def _code_words(code: types.CodeType) -> set[str]:
    """The names and string constants ``code`` and the code nested in it use."""
    words = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, str):
            words.add(constant)
        elif isinstance(constant, types.CodeType):
            words |= _code_words(constant)
    return words


def _functions_of(owner: Any) -> Iterator[types.FunctionType]:
    """``owner`` if a function; the functions a class defines; the functions and
    class methods a module defines."""
    if isinstance(owner, types.FunctionType):
        yield owner
        return
    in_module = isinstance(owner, types.ModuleType)
    for value in vars(owner).values():
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        defined_here = not in_module or getattr(value, "__module__", None) == (
            owner.__name__
        )
        if isinstance(value, types.FunctionType) and defined_here:
            yield value
        elif isinstance(value, type) and in_module and defined_here:
            yield from _functions_of(value)


def _uses(patch: str, label: str, owner: Any, *words: str, at_least: int = 1) -> None:
    """At least ``at_least`` functions of ``owner`` use each of ``words``."""
    functions = list(_functions_of(owner))
    for word in words:
        users = sum(1 for f in functions if word in _code_words(f.__code__))
        if users < at_least:
            raise PatchTargetMissing(patch, f"{word} (used by {label})")


def _calls_in_order(patch: str, label: str, func: Callable, *names: str) -> None:
    """``func`` looks up the attributes ``names``, the first use of each in order."""
    first: dict[str, int] = {}
    for instruction in dis.get_instructions(func):
        if instruction.opname in {"LOAD_ATTR", "LOAD_METHOD"}:
            first.setdefault(instruction.argval, instruction.offset)
    for name in names:
        if name not in first:
            raise PatchTargetMissing(patch, f"the call of {name} in {label}")
    offsets = [first[name] for name in names]
    if offsets != sorted(offsets):
        raise PatchTargetMissing(
            patch, f"{label} calling {' then '.join(names)} in that order"
        )


def _module_source_tree(patch: str, module_name: str) -> ast.Module:
    """The parsed source of ``module_name``, without importing it."""
    try:
        spec = importlib.util.find_spec(module_name)
    except ImportError:
        spec = None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise PatchTargetMissing(patch, f"the module {module_name}")
    with open(spec.origin, encoding="utf-8") as source:
        return ast.parse(source.read(), filename=spec.origin)


# --- the checks -----------------------------------------------------------------


def _check_router_registrations(patch: str) -> None:
    api_class = _target(patch, "ninja.main", "NinjaAPI")
    _uses(patch, "NinjaAPI.__init__", api_class.__init__, "_router_registrations")
    _uses(patch, "NinjaAPI.__init__", api_class.__init__, "_routers")
    bind = _target(patch, "ninja.main", "NinjaAPI._get_bound_routers")
    _uses(patch, "NinjaAPI._get_bound_routers", bind, "_router_registrations")


def _check_bound_operations(patch: str) -> None:
    _target(patch, "ninja.main", "NinjaAPI._get_bound_routers")
    bound_router = _target(patch, "ninja.router", "BoundRouter.__init__")
    _uses(patch, "BoundRouter.__init__", bound_router, "prefix", "path_operations")
    path_view = _target(patch, "ninja.operation", "PathView.__init__")
    _uses(patch, "PathView.__init__", path_view, "operations")


WAGTAIL_PAGES_ROUTER = "wagtail.api.v3.routers.pages"


def _check_pages_queryset(patch: str) -> None:
    _target(patch, "wagtail.api.v3.querysets", "get_pages_queryset")
    module = WAGTAIL_PAGES_ROUTER
    tree = _module_source_tree(patch, module)
    imported_by_name = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "wagtail.api.v3.querysets"
        and any(
            alias.name == "get_pages_queryset" and alias.asname is None
            for alias in node.names
        )
        for node in tree.body
    )
    called_as_global = any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "get_pages_queryset"
        for node in ast.walk(tree)
    )
    if not (imported_by_name and called_as_global):
        raise PatchTargetMissing(
            patch, f"{module} calling get_pages_queryset as a module global"
        )


def _check_spreadsheet_hook(patch: str) -> None:
    mixin = _target(patch, "wagtail.admin.views.mixins", "SpreadsheetExportMixin")
    _target(
        patch,
        "wagtail.admin.views.mixins",
        "SpreadsheetExportMixin.preprocess_field_value",
    )
    # Both writers (CSV rows and XLSX cells) take their values from the hook.
    _uses(
        patch,
        "the CSV and XLSX writers of SpreadsheetExportMixin",
        mixin,
        "preprocess_field_value",
        at_least=2,
    )


SQLITE_QUERY = "modelsearch.backends.database.sqlite.query"


def _sqlite_search() -> bool:
    """Whether Wagtail's database search runs on SQLite here (the SQLite query
    module only imports then: it needs the SQLite index model)."""
    from django.db import connection

    return connection.vendor == "sqlite"


def _check_sqlite_lexeme(patch: str) -> None:
    if not _sqlite_search():
        return
    as_sql = _target(patch, SQLITE_QUERY, "Lexeme.as_sql")
    as_sql = getattr(as_sql, "dangke_original", as_sql)  # once applied, its target
    _uses(patch, "Lexeme.as_sql", as_sql, '"%s"', '"%s"*')


def _check_values_hook(patch: str) -> None:
    _target(patch, "ninja.operation", "Operation._get_values")
    run = _target(patch, "ninja.operation", "Operation.run")
    _calls_in_order(patch, "Operation.run", run, "_run_checks", "_get_values")


def _check_path_models(patch: str) -> None:
    _uses(patch, "Operation.__init__", Operation.__init__, "models")
    _target(patch, "ninja.params.models", "PathModel")


def _check_body_models(patch: str) -> None:
    _uses(patch, "Operation.__init__", Operation.__init__, "models")
    _target(patch, "ninja.params.models", "BodyModel")
    details = _target(patch, "ninja.signature.details", "")
    _uses(
        patch,
        "ninja.signature.details",
        details,
        "__read_from_single_attr__",
        "__ninja_body_params__",
    )


def _check_permission_gate(patch: str) -> None:
    require = _target(patch, "wagtail.api.v3.permissions", "require_any_permission")

    class Probe:
        pass

    def probe_view(request):
        return None

    try:
        gate = _permission_gate(require(Probe, ("probe",))(probe_view))
    except Exception:
        gate = None
    if gate != (Probe, ("probe",)):
        raise PatchTargetMissing(
            patch,
            "the closure over model and actions of the view "
            "wagtail.api.v3.permissions.require_any_permission returns",
        )


# --- the patches ----------------------------------------------------------------


@_patch(
    changes=True,
    written_for="django-ninja 1.7.1, Wagtail 8.0.1",
    check=_check_router_registrations,
)
def api_routers_unmount(api: NinjaAPI, prefixes: Iterable[str]) -> None:
    """Remove the routers mounted at ``prefixes`` before ``api.urls`` is first read.

    Raises ``PatchTargetMissing`` when a prefix is not mounted or the URLs were
    already built (see the inventory above).
    """
    patch = "api_routers_unmount"
    if getattr(api, "_bound_routers_cache", None) is not None:
        raise PatchTargetMissing(patch, "an API whose URLs are not built yet")
    unwanted = set(prefixes)
    mounted = {registration[0] for registration in api._router_registrations}
    if unwanted - mounted:
        prefix = sorted(unwanted - mounted)[0]
        raise PatchTargetMissing(patch, f"the router mounted at {prefix!r}")
    api._router_registrations = [
        registration
        for registration in api._router_registrations
        if registration[0] not in unwanted
    ]
    api._routers = [(prefix, r) for prefix, r in api._routers if prefix not in unwanted]


@_patch(changes=True, written_for="Wagtail 8.0.1", check=_check_pages_queryset)
def wagtail_pages_queryset_replace(get_pages_queryset: Callable) -> None:
    """Make Wagtail's API v3 page router read pages through ``get_pages_queryset``
    (see the inventory above)."""
    from wagtail.api.v3.routers import pages as wagtail_pages_router

    wagtail_pages_router.get_pages_queryset = get_pages_queryset


@_patch(changes=True, written_for="Wagtail 8.0.1", check=_check_spreadsheet_hook)
def wagtail_spreadsheet_exports_make_cells_safe() -> None:
    """Make every CSV/XLSX export of Wagtail's admin write cells through
    ``dangke.exports.cell_safe`` (see the inventory above)."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    from dangke.exports import cell_safe

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "dangke_cells_safe", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        return cell_safe(original(self, field, value, export_format))

    preprocess_field_value.dangke_cells_safe = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value


@_patch(changes=True, written_for="modelsearch 1.3.2", check=_check_sqlite_lexeme)
def modelsearch_sqlite_quotes_escape() -> None:
    """Double every ``"`` of a search term before SQLite's FTS5 reads it (see the
    inventory above); on SQLite only, where that backend runs."""
    if not _sqlite_search():
        return
    query = importlib.import_module(SQLITE_QUERY)
    original = query.Lexeme.as_sql
    if getattr(original, "dangke_quotes_escaped", False):
        return

    def as_sql(self, compiler, connection):
        template, params = original(self, compiler, connection)
        return template, [param.replace('"', '""') for param in params]

    as_sql.dangke_quotes_escaped = True
    as_sql.dangke_original = original
    query.Lexeme.as_sql = as_sql


@_patch(changes=False, written_for="django-ninja 1.7.1", check=_check_bound_operations)
def api_operations(api: NinjaAPI) -> Iterator[tuple[str, Operation]]:
    """Every operation ``api`` serves (and documents), with its router prefix.

    ``NinjaAPI._get_bound_routers()`` builds (once, cached) the bound routers whose
    operations both ``api.urls`` and the OpenAPI document read: call it only after
    the last ``add_router``.
    """
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                yield bound.prefix, operation


@_patch(changes=True, written_for="django-ninja 1.7.1", check=_check_bound_operations)
def api_operation_remove(api: NinjaAPI, operation: Operation) -> None:
    """Stop serving and documenting ``operation`` (before ``api.urls`` is read);
    a path left with no operation is dropped, so it answers 404."""
    for bound in api._get_bound_routers():
        for path, path_view in list(bound.path_operations.items()):
            if operation in path_view.operations:
                path_view.operations.remove(operation)
                if not path_view.operations:
                    del bound.path_operations[path]


@_patch(changes=True, written_for="django-ninja 1.7.1", check=_check_values_hook)
def api_operation_check_before_values(
    operation: Operation, check: Callable[[Operation, HttpRequest, dict], None]
) -> None:
    """Run ``check(operation, request, path_params)`` after ``operation``'s
    authentication and before it reads any parameter or body; what ``check``
    raises is answered by the API's exception handlers."""
    read_values = operation._get_values

    def checked_get_values(request, path_params, temporal_response):
        check(operation, request, path_params)
        return read_values(request, path_params, temporal_response)

    operation._get_values = checked_get_values


@_patch(changes=False, written_for="django-ninja 1.7.1", check=_check_body_models)
def operation_json_body(operation: Operation) -> tuple[str | None, Any] | None:
    """``(name, annotation)`` of the JSON body ``operation`` takes (``name`` None
    when several body parameters share the body as an object), or None when it
    takes none (forms and files are not JSON bodies)."""
    from ninja.params.models import BodyModel

    for model in operation.models:
        if not issubclass(model, BodyModel) or hasattr(model, "__ninja_body_params__"):
            continue
        name = getattr(model, "__read_from_single_attr__", None)
        if name is None:
            return None, dict
        return name, model.model_fields[name].annotation
    return None


@_patch(changes=False, written_for="django-ninja 1.7.1", check=_check_path_models)
def operation_path_annotations(operation: Operation) -> dict[str, Any]:
    """The declared type of each of ``operation``'s path parameters."""
    from ninja.params.models import PathModel

    return {
        name: field.annotation
        for model in operation.models
        if issubclass(model, PathModel)
        for name, field in model.model_fields.items()
    }


def _permission_gate(view_func: Callable) -> tuple[Any, Any] | None:
    func: Callable | None = view_func
    while func is not None:
        # ``functools.wraps`` copies the view's name; the code keeps its own.
        code = getattr(func, "__code__", None)
        if code is not None and code.co_qualname.startswith("require_any_permission."):
            names = inspect.getclosurevars(func).nonlocals
            return names["model"], names["actions"]
        func = getattr(func, "__wrapped__", None)
    return None


@_patch(changes=False, written_for="Wagtail 8.0.1", check=_check_permission_gate)
def wagtail_required_permission(view_func: Callable) -> tuple[Any, Any] | None:
    """``(model, actions)`` of the ``require_any_permission`` gate around a Wagtail
    API view, or None when it has none; ``ninja.pagination.paginate`` may wrap the
    gate again (also with ``functools.wraps``)."""
    return _permission_gate(view_func)
