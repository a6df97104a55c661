"""Lambda packaging without Docker: pip installs the dependencies next to the sources.

CDK's default Python bundling runs in a container, and the development machines have no
Docker daemon. Local bundling runs the same install with the synthesizing interpreter,
asking pip for Linux wheels so a laptop on another OS still produces a Lambda-ready zip;
the container stays as CDK's fallback should local bundling ever decline.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import jsii
from aws_cdk import BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_

LAMBDA_PYTHON_VERSION = "3.11"
LAMBDA_PLATFORM = "manylinux2014_x86_64"


def pip_install_arguments(requirements: Sequence[str], target: str) -> list[str]:
    return [
        "install",
        "--quiet",
        "--no-compile",
        "--disable-pip-version-check",
        "--platform",
        LAMBDA_PLATFORM,
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        "--only-binary=:all:",
        "--target",
        target,
        *requirements,
    ]


@jsii.implements(ILocalBundling)
class LocalPythonBundling:
    """Installs `requirements` into the asset and copies the sources under their package path.

    The package path is kept (e.g. `lambdas/trigger/`) so the handler imports its logic as
    `lambdas.trigger.logic` in Lambda exactly as the unit tests do.
    """

    def __init__(self, source_dir: Path, package: str, requirements: Sequence[str]) -> None:
        self.source_dir = source_dir
        self.package = package
        self.requirements = tuple(requirements)

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        if self.requirements:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    *pip_install_arguments(self.requirements, output_dir),
                ],
                check=True,
            )
        package_dir = Path(output_dir)
        for part in self.package.split("."):
            package_dir = package_dir / part
            package_dir.mkdir(exist_ok=True)
            (package_dir / "__init__.py").touch()
        for source in sorted(self.source_dir.glob("*.py")):
            shutil.copy2(source, package_dir / source.name)
        return True


def python_function_code(
    source_dir: Path, package: str, requirements: Sequence[str]
) -> lambda_.Code:
    """Lambda code for a handler package, bundled locally, with the Docker image as fallback."""
    package_path = package.replace(".", "/")
    container_command = " && ".join(
        [
            "pip " + " ".join(pip_install_arguments(requirements, "/asset-output")),
            f"mkdir -p /asset-output/{package_path}",
            f"cp /asset-input/*.py /asset-output/{package_path}/",
            "touch " + " ".join(_init_files("/asset-output", package)),
        ]
    )
    return lambda_.Code.from_asset(
        str(source_dir),
        exclude=["__pycache__", "*.pyc"],
        bundling=BundlingOptions(
            image=lambda_.Runtime.PYTHON_3_11.bundling_image,
            command=["bash", "-c", container_command],
            local=LocalPythonBundling(source_dir, package, requirements),
        ),
    )


def _init_files(root: str, package: str) -> list[str]:
    parts = package.split(".")
    return [f"{root}/{'/'.join(parts[: depth + 1])}/__init__.py" for depth in range(len(parts))]
