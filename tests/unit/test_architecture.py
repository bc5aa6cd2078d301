"""The pure layers stay pure: `api/` and `core/` import no I/O modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tinykube

PACKAGE = Path(tinykube.__file__).parent
IO_MODULES = {"asyncio", "os", "subprocess", "time", "socket", "sqlite3", "logging", "threading"}
PURE_LAYERS = ("api", "core")


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(path, id=str(path.relative_to(PACKAGE)))
        for layer in PURE_LAYERS
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    ],
)
def test_pure_layers_import_no_io(module: Path) -> None:
    assert _imported_roots(module) & IO_MODULES == set()


def test_pure_layers_exist() -> None:
    for layer in PURE_LAYERS:
        assert any((PACKAGE / layer).rglob("*.py")), layer
