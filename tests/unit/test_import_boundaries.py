"""The layers' import boundaries, read from the source with ``ast``.

``glue_jobs/`` and ``lambdas/`` ship to AWS unchanged, so they import neither ``glueline/``
nor ``stack/`` nor anything that knows the cloud is local; ``stack/`` never imports
``glueline/`` and knows nothing of the local cloud either. Tests may know, so test files
are not held to these rules. Every form of import counts: plain and ``from`` imports,
relative ones, imports inside functions or ``if``/``try`` blocks, and ``importlib`` or
``__import__`` calls with a literal module name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Top-level packages whose only purpose is a local or emulated AWS.
LOCAL_CLOUD_PACKAGES = frozenset({"glueline", "moto", "localstack", "localstack_client"})
FORBIDDEN_IMPORTS = {
    "glue_jobs": LOCAL_CLOUD_PACKAGES | {"stack", "testcontainers"},
    "lambdas": LOCAL_CLOUD_PACKAGES | {"stack", "testcontainers"},
    "stack": LOCAL_CLOUD_PACKAGES | {"testcontainers"},
}
IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True)
class Import:
    """One module a source file imports, as an absolute dotted name."""

    path: Path
    line: int
    module: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(PROJECT_ROOT)}:{self.line} imports {self.module}"


def module_name(path: Path) -> str:
    """The dotted name a file under the project root is imported as."""
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(path: Path) -> list[str]:
    """The package a file's relative imports start from, as name parts."""
    parts = module_name(path).split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def absolute_name(package: list[str], level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import ...`` inside ``package``.

    A relative import that climbs above the top-level package is returned as written
    (``..x``), so it is reported rather than silently dropped.
    """
    if level - 1 >= len(package):
        return "." * level + (module or "")
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, module] if module else base)


def call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def literal_argument(node: ast.Call, position: int, keyword: str) -> str | None:
    """A call's string-literal argument, given by position or by keyword."""
    values = [
        *node.args[position : position + 1],
        *(k.value for k in node.keywords if k.arg == keyword),
    ]
    for value in values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def dynamic_import(path: Path, node: ast.Call) -> str | None:
    """The module named by ``importlib.import_module("...")`` or ``__import__("...")``."""
    if call_name(node) not in IMPORT_FUNCTIONS:
        return None
    name = literal_argument(node, 0, "name")
    if name is None or not name.startswith("."):
        return name
    level = len(name) - len(name.lstrip("."))
    anchor = literal_argument(node, 1, "package")
    package = anchor.split(".") if anchor else package_of(path)
    return absolute_name(package, level, name.lstrip(".") or None)


def imports_of(path: Path) -> list[Import]:
    """Every module ``path`` imports, wherever in the file the import sits."""
    found: list[Import] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = absolute_name(package_of(path), node.level, node.module)
            else:
                base = node.module or ""
            found.append(Import(path, node.lineno, base))
            if node.module is None:
                found += [Import(path, node.lineno, f"{base}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Call):
            name = dynamic_import(path, node)
            if name is not None:
                found.append(Import(path, node.lineno, name))
    return sorted(found, key=lambda imported: imported.line)


def is_test_file(path: Path) -> bool:
    return (
        "tests" in path.relative_to(PROJECT_ROOT).parts
        or path.name.startswith("test_")
        or path.name == "conftest.py"
    )


def violations(layer: str, forbidden: frozenset[str] | set[str]) -> list[Import]:
    """Imports of forbidden top-level packages by the layer's non-test files."""
    found: list[Import] = []
    for path in sorted((PROJECT_ROOT / layer).rglob("*.py")):
        if is_test_file(path):
            continue
        for imported in imports_of(path):
            top = imported.module.split(".")[0]
            if top in forbidden or imported.module.startswith("."):
                found.append(imported)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_IMPORTS))
def test_layer_imports_nothing_it_must_not_know(layer: str) -> None:
    forbidden = FORBIDDEN_IMPORTS[layer]
    assert list((PROJECT_ROOT / layer).rglob("*.py")), f"no Python files under {layer}/"
    found = violations(layer, forbidden)
    assert not found, f"{layer}/ must not import {', '.join(sorted(forbidden))}:\n" + "\n".join(
        str(imported) for imported in found
    )


class TestTheImportReader:
    """The boundary test is only as good as the reader: each form of import is seen."""

    SOURCE = """\
import os, glueline.cloud
from stack.config import load_config
from . import sibling
from ..stack import app
from .. import glueline as kit
import importlib

if os.environ.get("LOCAL"):
    from moto import mock_aws

def late():
    try:
        import localstack_client.session
    except ImportError:
        pass
    importlib.import_module("glueline.cloud.settings")
    __import__("stack.app")
    importlib.import_module(".settings", package="glueline.cloud")
"""

    def test_every_form_is_found_with_its_line(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(f"{__name__}.PROJECT_ROOT", tmp_path)
        source = tmp_path / "lambdas" / "trigger" / "handler.py"
        source.parent.mkdir(parents=True)
        source.write_text(self.SOURCE)

        found = [(imported.line, imported.module) for imported in imports_of(source)]

        assert found == [
            (1, "os"),
            (1, "glueline.cloud"),
            (2, "stack.config"),
            (3, "lambdas.trigger"),
            (3, "lambdas.trigger.sibling"),
            (4, "lambdas.stack"),
            (5, "lambdas"),
            (5, "lambdas.glueline"),
            (6, "importlib"),
            (9, "moto"),
            (13, "localstack_client.session"),
            (16, "glueline.cloud.settings"),
            (17, "stack.app"),
            (18, "glueline.cloud.settings"),
        ]

    def test_a_relative_import_above_the_top_package_is_reported(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(f"{__name__}.PROJECT_ROOT", tmp_path)
        source = tmp_path / "glue_jobs" / "job.py"
        source.parent.mkdir()
        source.write_text("from ..glueline import cloud\n")

        assert [str(imported) for imported in violations("glue_jobs", {"glueline"})] == [
            "glue_jobs/job.py:1 imports ..glueline"
        ]

    def test_a_violation_names_the_file_and_line(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(f"{__name__}.PROJECT_ROOT", tmp_path)
        (tmp_path / "stack").mkdir()
        (tmp_path / "stack" / "app.py").write_text(
            "import aws_cdk\n\n\ndef local():\n    from glueline.cloud import settings\n"
        )
        (tmp_path / "stack" / "tests").mkdir()
        (tmp_path / "stack" / "tests" / "test_app.py").write_text("import glueline\n")

        assert [str(imported) for imported in violations("stack", {"glueline"})] == [
            "stack/app.py:5 imports glueline.cloud"
        ]
