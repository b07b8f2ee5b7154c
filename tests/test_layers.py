"""The folders form layers, and no folder imports one above it.

From the bottom: ``models`` (data), ``mail`` (composing and queueing email), ``services``
(every domain rule), the GraphQL layer (``schema`` types and ``resolvers``, which import
each other: the root types register resolvers, resolvers build types), ``twofa`` (settings,
database, the ASGI app and the command), then ``bench`` and ``tests`` side by side: each
may import everything below, neither imports the other (the tests have their own SMTP
server and server helpers), and nothing imports tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALLOWED: dict[str, set[str]] = {
    "models": set(),
    "mail": {"models"},
    "services": {"models", "mail"},
    "schema": {"models", "mail", "services", "resolvers"},
    "resolvers": {"models", "mail", "services", "schema"},
    "twofa": {"models", "mail", "services", "schema", "resolvers"},
    "bench": {"models", "mail", "services", "schema", "resolvers", "twofa"},
    "tests": {"models", "mail", "services", "schema", "resolvers", "twofa"},
}
"""For each folder, the project folders it may import besides itself."""


def project_imports(path: Path) -> set[str]:
    """Return the project folders a module imports, at any depth (TYPE_CHECKING included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_a_folder_imports_only_the_layers_below_it(folder: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(project_imports(path) - ALLOWED[folder] - {folder})
        for path in sorted((ROOT / folder).rglob("*.py"))
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_the_layer_table_is_read_from_real_imports() -> None:
    """The check above must see imports, or it could pass on nothing."""
    assert project_imports(ROOT / "services" / "login.py") >= {"models", "services"}
    assert "mail" in project_imports(ROOT / "services" / "notifications.py")


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
