"""Running ``cdklocal`` (aws-cdk-local) against the glueline local cloud."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from glueline.cloud.process import CloudError
from glueline.cloud.settings import (
    LOCAL_ACCOUNT_ID,
    LOCAL_REGION,
    CloudSettings,
    client_environment,
)

BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
LOCALHOST_DNS = Path(__file__).parent / "cloud" / "node" / "localhost_dns.js"


def cdklocal_environment(settings: CloudSettings) -> dict[str, str]:
    """The environment under which ``cdklocal`` deploys to this cloud.

    aws-cdk-local defaults to ``localhost.localstack.cloud``, a public DNS name; glueline
    points every endpoint, S3's included, at ``localhost`` and lets Node resolve the
    bucket subdomains the CDK CLI uses for asset uploads.
    """
    node_options = os.environ.get("NODE_OPTIONS", "")
    return {
        **os.environ,
        **client_environment(settings.endpoint_url),
        "AWS_ENDPOINT_URL_S3": settings.endpoint_url,
        "CDK_DEFAULT_ACCOUNT": LOCAL_ACCOUNT_ID,
        "CDK_DEFAULT_REGION": LOCAL_REGION,
        "NODE_OPTIONS": f"{node_options} --require {LOCALHOST_DNS}".strip(),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
        "AWS_SDK_JS_SUPPRESS_NODE_WARNING": "1",
    }


#: The checkout glueline runs from, whose ``make setup`` installed cdklocal.
KIT_DIR = Path(__file__).resolve().parents[1]


def find_cdklocal(project_dir: Path) -> str:
    """cdklocal of the project being deployed, else of glueline's own checkout, else PATH's."""
    for folder in (project_dir, KIT_DIR):
        local = folder / "node_modules" / ".bin" / "cdklocal"
        if local.exists():
            return str(local)
    on_path = shutil.which("cdklocal")
    if on_path:
        return on_path
    raise CloudError(
        f"cdklocal was not found in {project_dir}/node_modules/.bin, "
        f"{KIT_DIR}/node_modules/.bin or on PATH; run `make setup` in {KIT_DIR} "
        "(it installs aws-cdk and aws-cdk-local from package.json)"
    )


def run_cdklocal(settings: CloudSettings, arguments: list[str], project_dir: Path) -> int:
    command = [find_cdklocal(project_dir), *arguments]
    return subprocess.run(command, cwd=project_dir, env=cdklocal_environment(settings)).returncode


def is_bootstrapped(settings: CloudSettings) -> bool:
    import boto3

    ssm = boto3.client("ssm", **_client_arguments(settings))
    try:
        ssm.get_parameter(Name=BOOTSTRAP_VERSION_PARAMETER)
    except ssm.exceptions.ParameterNotFound:
        return False
    return True


def deploy_local_stage(settings: CloudSettings, project_dir: Path) -> int:
    """Bootstrap once, then deploy every stack of the local config with ``cdklocal``."""
    if not is_bootstrapped(settings):
        code = run_cdklocal(
            settings, ["bootstrap", f"aws://{LOCAL_ACCOUNT_ID}/{LOCAL_REGION}"], project_dir
        )
        if code != 0:
            return code
    return run_cdklocal(
        settings,
        [
            "deploy",
            "--all",
            "-c",
            "config=local",
            "--require-approval",
            "never",
            "--outputs-file",
            str(settings.state_dir / "outputs.json"),
        ],
        project_dir,
    )


def _client_arguments(settings: CloudSettings) -> dict[str, str]:
    env = client_environment(settings.endpoint_url)
    return {
        "endpoint_url": settings.endpoint_url,
        "region_name": env["AWS_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }
