"""The folders form layers: no folder imports one above it, and no import cycle crosses folders.

From the bottom: ``models`` (data), ``mail`` (composing and queueing email), ``services``
(every domain rule), ``schema`` (the GraphQL types with their field resolvers, inputs,
enums, the request context and the schema's protective extensions), ``resolvers`` (the
root ``Query`` and ``Mutation`` fields, one file per mutation, and the schema's assembly),
``twofa`` (settings, database, the ASGI app and the command), then ``bench`` and ``tests``
side by side: each may import everything below, neither imports the other (the tests have
their own SMTP server and server helpers), and nothing imports tests.

Within a folder, files may import each other in a circle (the GraphQL types refer to one
another); across folders, never: a circle of files of different folders (``schema/types``
and ``resolvers``, say) is refused, whatever their layers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "mail": {"models"},
    "services": {"models", "mail"},
    "schema": {"models", "mail", "services"},
    "resolvers": {"models", "mail", "services", "schema"},
    "twofa": {"models", "mail", "services", "schema", "resolvers"},
    "bench": {"models", "mail", "services", "schema", "resolvers", "twofa"},
    "tests": {"models", "mail", "services", "schema", "resolvers", "twofa"},
}
"""For each folder, the project folders it may import besides itself."""


def imported_modules(path: Path) -> Iterator[str]:
    """Yield the modules a file imports, at any depth (TYPE_CHECKING and functions included)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            # ``from package import module`` names a module too.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def project_imports(path: Path) -> set[str]:
    """Return the project folders a module imports."""
    return {name.split(".")[0] for name in imported_modules(path)} & set(ALLOWED)


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_a_folder_imports_only_the_layers_below_it(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(project_imports(path) - ALLOWED[folder] - {folder})
        for path in sorted((ROOT / folder).rglob("*.py"))
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def module_files() -> dict[str, Path]:
    """Return every project module by its dotted name (packages by their ``__init__``)."""
    files: dict[str, Path] = {}
    for folder in ALLOWED:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    return files


def import_graph() -> dict[Path, set[Path]]:
    """Return, for each project file, the project files it imports."""
    files = module_files()
    return {
        path: {files[name] for name in imported_modules(path) if name in files} - {path}
        for path in files.values()
    }


def circles(graph: dict[Path, set[Path]]) -> list[set[Path]]:
    """Return the strongly connected groups of more than one file (Tarjan's algorithm)."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    found: list[set[Path]] = []

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_crosses_folders() -> None:
    crossing = [
        sorted(str(path.relative_to(ROOT)) for path in group)
        for group in circles(import_graph())
        if len({path.parent for path in group}) > 1
    ]
    assert crossing == []


def test_the_checks_see_real_imports_and_circles() -> None:
    """The checks above must see imports and circles, or they could pass on nothing."""
    assert project_imports(ROOT / "services" / "auth" / "login.py") >= {"models", "services"}
    assert "mail" in project_imports(ROOT / "services" / "notifications.py")
    a, b, c = (ROOT / "x" / "a.py", ROOT / "x" / "b.py", ROOT / "y" / "c.py")
    assert circles({a: {b}, b: {c}, c: {a}}) == [{a, b, c}]
    assert circles({a: {b}, b: set(), c: {a}}) == []
    assert import_graph()[ROOT / "resolvers" / "mutation.py"] >= {
        ROOT / "resolvers" / "auth" / "login.py"
    }


def test_test_modules_share_helpers_through_support_modules_only() -> None:
    """A test module importing another test module (or a conftest) couples their fates."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                last = node.module.rsplit(".", 1)[-1]
                if node.module.startswith("tests.") and (
                    last.startswith("test_") or last == "conftest"
                ):
                    offenders.append(f"{path.relative_to(ROOT)}: {node.module}")
    assert offenders == []
