"""Two synthesized apps shared by every stack test: jsii synthesis costs seconds per app.

Both run cdk-nag's AwsSolutions pack with the same context as `cdk synth` (cdk.json), and
skip Lambda bundling, which needs the network and is tested on its own.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from stack.app import build
from stack.config import REPO_ROOT, GluelineConfig, load_config

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")


@dataclass
class SynthesizedApp:
    app: App
    config: GluelineConfig
    nag_error: Exception | None

    def stack(self, path: str) -> Stack:
        """A stack by construct path, e.g. `glueline-pipeline/DevInfrastructure/Infrastructure`."""
        node = self.app
        for part in path.split("/"):
            node = node.node.find_child(part)
        return node

    def template(self, path: str) -> Template:
        return Template.from_stack(self.stack(path))


def synthesize(config: GluelineConfig) -> SynthesizedApp:
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    app = App(context={**context, "aws:cdk:bundling-stacks": []})
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    build(app, config)
    try:
        app.synth()
    except RuntimeError as error:
        return SynthesizedApp(app=app, config=config, nag_error=error)
    return SynthesizedApp(app=app, config=config, nag_error=None)


@pytest.fixture(scope="session")
def local_app() -> SynthesizedApp:
    return synthesize(load_config("local"))


@pytest.fixture(scope="session")
def aws_app() -> SynthesizedApp:
    return synthesize(load_config("aws", allow_placeholders=True))


@pytest.fixture(scope="session")
def infrastructure(local_app: SynthesizedApp) -> Template:
    return local_app.template("glueline-local-infrastructure")


@pytest.fixture(scope="session")
def application(local_app: SynthesizedApp) -> Template:
    return local_app.template("glueline-local-application")


@pytest.fixture(scope="session")
def pipeline(aws_app: SynthesizedApp) -> Template:
    return aws_app.template("glueline-pipeline")
