"""Each patch in ``dangke.compat`` still touches what it was written for; these fail
loudly when an upgrade of django-ninja or Wagtail changes those internals.

Below them: the module's inventory lists exactly the patches the project applies
(the same list as docs/architecture.md), and a patch whose target is missing stops
start-up with a message naming the patch and the target, instead of not applying."""

from __future__ import annotations

import ast
import functools
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from ninja import NinjaAPI, Router
from ninja.operation import Operation

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

    import dangke.urls  # noqa: F401 - loading the URLs applies the patches
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


# --- the inventory and failing closed --------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
INVENTORY_ENTRY = re.compile(r"^``(\w+)`` — (changes|reads); (.+)$", re.MULTILINE)


def inventory() -> dict[str, tuple[str, str]]:
    """The module docstring's inventory: name -> (changes|reads, written for)."""
    return {
        name: (kind, written_for)
        for name, kind, written_for in INVENTORY_ENTRY.findall(compat.__doc__)
    }


def test_the_inventory_lists_every_registered_patch_and_no_other():
    listed = inventory()
    assert set(listed) == set(compat.PATCHES)
    for name, patch in compat.PATCHES.items():
        assert listed[name] == (
            "changes" if patch.changes else "reads",
            patch.written_for,
        ), name
    # every public function of the module is a patch (or the checks themselves)
    functions = {
        name
        for name, value in vars(compat).items()
        if inspect.isfunction(value)
        and value.__module__ == compat.__name__
        and not name.startswith("_")
    }
    assert functions - {"patch_check", "patches_check"} == set(compat.PATCHES)


def test_the_architecture_page_lists_the_same_patches():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Framework patches", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (changes|reads) \|", section, re.MULTILINE)
    assert {name: kind for name, kind in rows} == {
        name: kind for name, (kind, _) in inventory().items()
    }


def project_uses_of_compat() -> set[str]:
    """The names of ``dangke.compat`` the project's code uses (``compat.X`` or
    ``from dangke.compat import X``), read from the source."""
    used: set[str] = set()
    packages = {path.parent for path in ROOT.glob("*/apps.py")}
    for package in packages:
        for path in package.rglob("*.py"):
            if path == ROOT / "dangke" / "compat.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "dangke.compat":
                    used.update(alias.name for alias in node.names)
                elif (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "compat"
                ):
                    used.add(node.attr)
    return used


def test_the_inventory_lists_exactly_the_patches_the_project_applies(client, db):
    used = project_uses_of_compat()
    assert used - {"patches_check"} == set(compat.PATCHES)
    # At run time: start-up and one request through the API's checks use them all.
    assert client.get("/api/v3/search/suggest?q=dsxx").status_code < 500
    assert compat.APPLIED == set(compat.PATCHES)


def test_every_patch_finds_what_it_relies_on():
    compat.patches_check()


def test_start_up_checks_every_patch(monkeypatch):
    from django.apps import apps

    checked = []
    monkeypatch.setattr(compat, "patches_check", lambda: checked.append(True))
    apps.get_app_config("dangke").ready()
    assert checked == [True]


def _ninja_main():
    import ninja.main

    return ninja.main


def _spreadsheet_mixin():
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    return SpreadsheetExportMixin


def _wagtail_querysets():
    from wagtail.api.v3 import querysets

    return querysets


def _wagtail_permissions():
    from wagtail.api.v3 import permissions

    return permissions


def _param_models():
    import ninja.params.models

    return ninja.params.models


@pytest.mark.parametrize(
    ("patch", "owner", "attribute", "target"),
    [
        (
            "api_routers_unmount",
            lambda: _ninja_main().NinjaAPI,
            "_get_bound_routers",
            "ninja.main.NinjaAPI._get_bound_routers",
        ),
        (
            "api_operations",
            lambda: _ninja_main().NinjaAPI,
            "_get_bound_routers",
            "ninja.main.NinjaAPI._get_bound_routers",
        ),
        (
            "api_operation_remove",
            lambda: _ninja_main().NinjaAPI,
            "_get_bound_routers",
            "ninja.main.NinjaAPI._get_bound_routers",
        ),
        (
            "api_operation_check_before_values",
            lambda: Operation,
            "_get_values",
            "ninja.operation.Operation._get_values",
        ),
        (
            "operation_json_body",
            _param_models,
            "BodyModel",
            "ninja.params.models.BodyModel",
        ),
        (
            "operation_path_annotations",
            _param_models,
            "PathModel",
            "ninja.params.models.PathModel",
        ),
        (
            "wagtail_pages_queryset_replace",
            _wagtail_querysets,
            "get_pages_queryset",
            "wagtail.api.v3.querysets.get_pages_queryset",
        ),
        (
            "wagtail_spreadsheet_exports_make_cells_safe",
            _spreadsheet_mixin,
            "preprocess_field_value",
            "wagtail.admin.views.mixins.SpreadsheetExportMixin.preprocess_field_value",
        ),
        (
            "wagtail_required_permission",
            _wagtail_permissions,
            "require_any_permission",
            "wagtail.api.v3.permissions.require_any_permission",
        ),
    ],
)
def test_a_patch_whose_target_is_missing_stops_naming_both(
    monkeypatch, patch, owner, attribute, target
):
    monkeypatch.delattr(owner(), attribute)
    with pytest.raises(ImproperlyConfigured) as raised:
        compat.patch_check(patch)
    assert isinstance(raised.value, compat.PatchTargetMissing)
    message = str(raised.value)
    assert f"dangke.compat.{patch} cannot apply" in message
    assert f"{target} is missing" in message
    assert "written for" in message and "installed:" in message


def test_a_permission_gate_wagtail_no_longer_keeps_in_a_closure_stops_start_up(
    monkeypatch,
):
    """The patch that failed open: a gate it cannot read used to mean "no gate"."""
    permissions = _wagtail_permissions()

    class RequireAnyPermission:  # the same gate, written as a class
        def __init__(self, model, actions):
            self.model, self.actions = model, actions

        def __call__(self, view_func):
            @functools.wraps(view_func)
            def wrapper(request, *args, **kwargs):
                return view_func(request, *args, **kwargs)

            return wrapper

    monkeypatch.setattr(permissions, "require_any_permission", RequireAnyPermission)
    with pytest.raises(compat.PatchTargetMissing) as raised:
        compat.patch_check("wagtail_required_permission")
    assert "dangke.compat.wagtail_required_permission" in str(raised.value)
    assert "require_any_permission" in str(raised.value)


def test_a_writer_that_stops_using_the_export_hook_stops_start_up(monkeypatch):
    mixin = _spreadsheet_mixin()
    monkeypatch.setattr(
        mixin, "write_csv_row", lambda self, writer, row: writer.writerow(row)
    )
    with pytest.raises(compat.PatchTargetMissing, match="preprocess_field_value"):
        compat.patch_check("wagtail_spreadsheet_exports_make_cells_safe")


def test_operations_reading_values_before_their_checks_stop_start_up(monkeypatch):
    def run(self, request, **kw):
        values = self._get_values(request, kw, None)
        self._run_checks(request)
        return values

    monkeypatch.setattr(Operation, "run", run)
    with pytest.raises(compat.PatchTargetMissing, match="in that order"):
        compat.patch_check("api_operation_check_before_values")


def test_a_page_router_that_stops_calling_the_global_stops_start_up(
    tmp_path, monkeypatch
):
    (tmp_path / "moved_pages_router.py").write_text(
        "from wagtail.api.v3 import querysets\n\n"
        "def list_pages(request):\n"
        "    return querysets.get_pages_queryset(request)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(compat, "WAGTAIL_PAGES_ROUTER", "moved_pages_router")
    with pytest.raises(compat.PatchTargetMissing) as raised:
        compat.patch_check("wagtail_pages_queryset_replace")
    assert "moved_pages_router calling get_pages_queryset" in str(raised.value)


def test_unmounting_a_prefix_that_is_not_mounted_stops_start_up():
    api = NinjaAPI(urls_namespace="compat-test-missing")
    with pytest.raises(compat.PatchTargetMissing, match="'/documents/'"):
        compat.api_routers_unmount(api, {"/documents/"})


def test_unmounting_after_the_urls_are_built_stops_start_up():
    api = NinjaAPI(urls_namespace="compat-test-built")
    api.add_router("/late/", Router())
    api.urls  # noqa: B018 - builds the URLs
    with pytest.raises(compat.PatchTargetMissing, match="URLs are not built"):
        compat.api_routers_unmount(api, {"/late/"})


def test_manage_py_check_stops_naming_the_patch_and_its_target(tmp_path):
    """In a real start-up: an internal a patch relies on is gone before Django sets
    up; ``manage.py check`` stops with the patch's message."""
    script = (
        "import sys, ninja.operation\n"
        "del ninja.operation.Operation._get_values\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(['manage.py', 'check'])\n"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "dangke.settings",
        "DANGKE_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "PatchTargetMissing" in last_line
    assert "dangke.compat.api_operation_check_before_values cannot apply" in last_line
    assert "ninja.operation.Operation._get_values is missing" in last_line


def test_a_search_for_a_lone_quote_answers_on_sqlite(client, db):
    """Wagtail's document listing and chooser searched for ``"``: results or none,
    never FTS5's "unterminated string" (a 500), on SQLite as on PostgreSQL."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from tests import factories

    document = Document(title='党章 "学习" 课件')
    document.file.save("a.pdf", ContentFile(b"%PDF-1.4"))
    document.save()
    client.force_login(factories.user("root", is_superuser=True))
    for query in ('"', '"abc', '党章"', '"学习"'):
        for url in ("/admin/documents/", "/admin/documents/chooser/"):
            response = client.get(url, {"q": query})
            assert response.status_code == 200, (url, query)


def test_a_lexeme_that_stops_quoting_terms_stops_start_up(monkeypatch):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite search backend's module loads on SQLite only")
    from modelsearch.backends.database.sqlite import query

    monkeypatch.setattr(query.Lexeme, "as_sql", lambda self, c, conn: ("%s", []))
    with pytest.raises(compat.PatchTargetMissing, match="Lexeme.as_sql"):
        compat.patch_check("modelsearch_sqlite_quotes_escape")
