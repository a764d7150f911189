"""The seams between apps hold: no import cycle between apps, no app reaching into
another's HTTP layer, and the project modules apps share import no app.

Imports are read from the source (``ast``), top-level and inside functions alike, so
an import moved into a function to dodge a cycle still counts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "dangke"  # the composition root: settings, URLs, the API assembly, demo
# Another app may use only these modules of an app (plus its package re-exports).
HTTP_LAYER = {"views", "admin_views", "api", "api_pages"}


def app_packages() -> list[str]:
    """Every local Django app (a top-level package with an ``apps.py``), less the
    project package."""
    return sorted(
        path.parent.name
        for path in ROOT.glob("*/apps.py")
        if path.parent.name != PROJECT
    )


def imported_modules(path: Path) -> Iterator[str]:
    """Absolute module names ``path`` imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def app_imports(apps: list[str]) -> dict[str, dict[str, set[str]]]:
    """For each app: the other apps it imports, each with the modules that do."""
    graph: dict[str, dict[str, set[str]]] = {app: {} for app in apps}
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            where = str(path.relative_to(ROOT))
            for module in imported_modules(path):
                target = module.split(".")[0]
                if target in graph and target != app:
                    graph[app].setdefault(target, set()).add(where)
    return graph


def find_cycle(graph: dict[str, set[str] | dict]) -> list[str] | None:
    """A cycle in ``graph`` (node → nodes it depends on) as a path, or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_apps_are_found():
    assert {
        "cms",
        "learning",
        "media_pipeline",
        "search",
        "themes",
        "meetings",
        "notices",
    } <= set(app_packages())


# Apps whose reach is fixed by the design: each may import only these apps.
# ``notices`` is a leaf like the shared kernel (callers hand it accounts and texts).
ALLOWED_APP_IMPORTS = {
    "notices": set(),
    "meetings": {"cms", "learning", "media_pipeline", "notices"},
}


def test_apps_import_only_the_apps_below_them():
    graph = app_imports(app_packages())
    offenders = [
        f"{app} imports {target} in {', '.join(sorted(graph[app][target]))}"
        for app, allowed in ALLOWED_APP_IMPORTS.items()
        for target in graph.get(app, {})
        if target not in allowed
    ]
    assert offenders == []


def test_no_import_cycle_between_apps():
    graph = app_imports(app_packages())
    cycle = find_cycle(graph)
    if cycle:
        edges = [
            f"{a} -> {b} in {', '.join(sorted(graph[a][b]))}"
            for a, b in zip(cycle, cycle[1:], strict=False)
        ]
        pytest.fail("import cycle between apps:\n  " + "\n  ".join(edges))


@pytest.mark.parametrize(
    "graph, cycle",
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycle):
    assert find_cycle(graph) == cycle


def test_a_new_cycle_would_be_reported(tmp_path, monkeypatch):
    """The test above reads real files: an import added inside a function of one
    app package that closes a loop makes it fail."""
    for app, other in (("alpha", "beta"), ("beta", "alpha")):
        package = tmp_path / app
        package.mkdir()
        (package / "apps.py").write_text("")
        (package / "services.py").write_text(
            f"def late():\n    from {other}.selectors import anything\n"
        )
    monkeypatch.setattr(__name__ + ".ROOT", tmp_path)
    graph = app_imports(app_packages())
    assert find_cycle(graph) == ["alpha", "beta", "alpha"]


def test_no_app_imports_another_apps_http_layer():
    apps = app_packages()
    offenders = []
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            for module in imported_modules(path):
                parts = module.split(".")
                if (
                    parts[0] in apps
                    and parts[0] != app
                    and len(parts) > 1
                    and parts[1] in HTTP_LAYER
                ):
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_the_project_modules_apps_share_import_no_app():
    """Apps may import ``dangke.errors``, ``dangke.api_errors`` and the like; those
    must not import an app back (only the composition root does: ``dangke.api``,
    ``dangke.urls``, the settings and the demo command)."""
    apps = set(app_packages())
    composition_root = {"api.py", "urls.py", "settings.py", "celery.py"}
    shared = set()
    for app in apps:
        for path in (ROOT / app).rglob("*.py"):
            shared.update(
                module.split(".")[1]
                for module in imported_modules(path)
                if module.startswith(f"{PROJECT}.")
            )
    offenders = []
    for name in sorted(shared):
        path = ROOT / PROJECT / f"{name}.py"
        if not path.exists() or path.name in composition_root:
            continue
        offenders += [
            f"{PROJECT}/{path.name} imports {module}"
            for module in imported_modules(path)
            if module.split(".")[0] in apps
        ]
    assert offenders == []
