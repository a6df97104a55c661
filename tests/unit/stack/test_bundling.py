"""Local bundling lays the handler out under its package path, without Docker."""

from __future__ import annotations

from pathlib import Path

from stack.bundling import LocalPythonBundling, pip_install_arguments
from stack.infrastructure_stack import TRIGGER_SOURCE_DIR


def test_sources_land_under_their_package_path(tmp_path: Path) -> None:
    bundling = LocalPythonBundling(TRIGGER_SOURCE_DIR, "lambdas.trigger", requirements=())

    bundled = bundling.try_bundle(str(tmp_path), None)

    assert bundled is True
    package = tmp_path / "lambdas" / "trigger"
    assert sorted(path.name for path in package.glob("*.py")) == [
        "__init__.py",
        "handler.py",
        "logic.py",
    ]
    assert (tmp_path / "lambdas" / "__init__.py").exists()
    assert (package / "logic.py").read_bytes() == (TRIGGER_SOURCE_DIR / "logic.py").read_bytes()


def test_pip_asks_for_linux_wheels_of_the_lambda_python() -> None:
    arguments = pip_install_arguments(["aws-lambda-powertools==3.37.0"], "/out")
    assert arguments[-3:] == ["--target", "/out", "aws-lambda-powertools==3.37.0"]
    assert "--only-binary=:all:" in arguments
    assert arguments[arguments.index("--platform") + 1] == "manylinux2014_x86_64"
    assert arguments[arguments.index("--python-version") + 1] == "3.11"
