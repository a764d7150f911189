"""The documentation stays true to the code it describes.

``docs/configuration.md`` holds one table of every environment variable
``dangke/settings.py`` reads; the settings are parsed (``ast``) at test time, so a
variable added to them without a row, or a row whose variable they no longer read,
fails here. The README stays a five-minute read, and every relative link in it and
in ``docs/`` points at a file that exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "dangke" / "settings.py"
CONFIGURATION = ROOT / "docs" / "configuration.md"
TABLE_HEADING = "## Variables the settings read"
README_MAX_LINES = 250


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    ) or (isinstance(node, ast.Name) and node.id == "environ")


def _direct_read(node: ast.AST) -> ast.expr | None:
    """The name argument of a direct read of the environment, or None:
    ``os.environ.get(X)``, ``os.environ[X]``, ``os.getenv(X)``,
    ``os.environ.setdefault(X, ...)``."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        return node.slice
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in {"get", "setdefault", "pop"}
            and _is_environ(func.value)
        ):
            return node.args[0]
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "getenv"
            and isinstance(func.value, ast.Name)
            and func.value.id == "os"
        ) or (isinstance(func, ast.Name) and func.id == "getenv"):
            return node.args[0]
    return None


def _name_argument(call: ast.Call, parameter: str) -> ast.expr | None:
    if call.args:
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    return None


def settings_environment_reads(source: str) -> tuple[set[str], list[str]]:
    """``(names, problems)``: the environment variables ``source`` (a settings
    module) reads, and the reads whose variable name is not a literal.

    A read is a direct one (``os.environ``, ``os.getenv``) or a call of a helper:
    any function of the module that passes its first parameter to a read, directly
    or through another helper (``env_str``, ``env_int``, ``env_positive``, ...), so
    a new helper is followed without listing it here.
    """
    tree = ast.parse(source)
    functions = {
        node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
    }
    helpers: dict[str, str] = {}  # helper name -> its name parameter

    def reads_in(node: ast.AST) -> list[ast.expr]:
        found = []
        for child in ast.walk(node):
            argument = _direct_read(child)
            if argument is not None:
                found.append(argument)
            elif (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id in helpers
            ):
                argument = _name_argument(child, helpers[child.func.id])
                if argument is not None:
                    found.append(argument)
        return found

    changed = True
    while changed:  # helpers of helpers, to a fixed point
        changed = False
        for name, function in functions.items():
            if name in helpers or not function.args.args:
                continue
            parameter = function.args.args[0].arg
            if any(
                isinstance(argument, ast.Name) and argument.id == parameter
                for argument in reads_in(function)
            ):
                helpers[name] = parameter
                changed = True

    names: set[str] = set()
    problems: list[str] = []
    helper_nodes = [functions[name] for name in helpers]
    inside_helpers = {id(node) for helper in helper_nodes for node in ast.walk(helper)}
    for argument in reads_in(tree):
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            names.add(argument.value)
        elif id(argument) not in inside_helpers:
            problems.append(
                f"line {argument.lineno}: the variable's name "
                f"({ast.unparse(argument)}) is not a literal"
            )
    return names, problems


def documented_variables(markdown: str) -> list[str]:
    """The names in the first column of the table under ``TABLE_HEADING``;
    a cell may name several variables (``MEDIA_MAX_WIDTH`` / ``MEDIA_MAX_HEIGHT``)."""
    section = markdown.split(TABLE_HEADING, 1)
    assert len(section) == 2, f"docs/configuration.md has no {TABLE_HEADING!r}"
    names: list[str] = []
    in_table = False
    for line in section[1].splitlines():
        if line.startswith("## "):
            break
        if not line.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        first_cell = line.split("|")[1]
        if set(first_cell.strip()) <= {"-", ":"} or first_cell.strip() == "variable":
            continue
        names += re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell)
    return names


def test_every_variable_the_settings_read_is_documented_and_no_other():
    read, problems = settings_environment_reads(SETTINGS.read_text(encoding="utf-8"))
    assert problems == [], (
        "dangke/settings.py reads variables this test cannot name; write the "
        "names out: " + "; ".join(problems)
    )
    documented = documented_variables(CONFIGURATION.read_text(encoding="utf-8"))
    duplicated = sorted({name for name in documented if documented.count(name) > 1})
    assert duplicated == [], f"listed twice in docs/configuration.md: {duplicated}"
    missing = sorted(read - set(documented))
    assert missing == [], (
        f"dangke/settings.py reads {missing}, which docs/configuration.md does not "
        f"list: add a row (name, default, meaning) under {TABLE_HEADING!r}"
    )
    stale = sorted(set(documented) - read)
    assert stale == [], (
        f"docs/configuration.md lists {stale}, which dangke/settings.py no longer "
        "reads: remove the rows (or move them to 'Read elsewhere')"
    )


SAMPLE_SETTINGS = """
import os
from os import environ

def env_str(name, default=""):
    return os.environ.get(name, default).strip()

def env_int(name, default):
    raw = os.environ.get(name)
    return int(raw) if raw else default

def env_positive(name, default):
    return max(1, env_int(name, default))

def env_flag(label, default):
    return env_str(name=label, default=default) == "1"

A = env_str("A_VAR")
B = env_positive("B_VAR", 3)
C = os.getenv("C_VAR")
D = os.environ["D_VAR"]
E = environ.get("E_VAR")
F = env_flag("F_VAR", "0")
G = len("NOT_A_READ")
"""


def test_the_parser_follows_every_way_of_reading_the_environment():
    names, problems = settings_environment_reads(SAMPLE_SETTINGS)
    assert names == {"A_VAR", "B_VAR", "C_VAR", "D_VAR", "E_VAR", "F_VAR"}
    assert problems == []


def test_a_read_by_computed_name_is_reported():
    _names, problems = settings_environment_reads(
        SAMPLE_SETTINGS + "\nfor n in ('X', 'Y'):\n    env_int(n, 1)\n"
    )
    assert len(problems) == 1 and "(n)" in problems[0]


def test_the_table_parser_reads_one_or_several_names_a_row():
    markdown = (
        f"intro\n\n{TABLE_HEADING}\n\n| variable | default | meaning |\n|---|---|---|\n"
        "| `ONE` | `1` | a |\n| `TWO` / `THREE` | `2` | b, see `NOT_ME` |\n\n"
        "| variable | read by |\n|---|---|\n| `ELSEWHERE` | make |\n"
    )
    assert documented_variables(markdown) == ["ONE", "TWO", "THREE"]


def test_the_readme_is_a_five_minute_read():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES
    text = "\n".join(lines)
    assert text.index("make run") < text.index("## ")  # the commands come first
    assert "make test" in text.split("## ", 1)[0]


LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize(
    "document",
    [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_relative_link_points_at_a_file(document):
    broken = []
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # another site, or an anchor in the same page
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.exists():
            broken.append(target)
    assert broken == []
