"""The ``glueline`` command: start, stop and inspect the local cloud."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from glueline import cdk_local
from glueline.cloud import process
from glueline.cloud.settings import CloudSettings, client_environment


def _up(settings: CloudSettings) -> int:
    already = process.status(settings).running
    current = process.start(settings)
    verb = "already running" if already else "started"
    print(f"glueline local cloud {verb} on {settings.endpoint_url} (pid {current.pid})")
    return 0


def _down(settings: CloudSettings) -> int:
    stopped = process.stop(settings)
    print("glueline local cloud stopped" if stopped else "glueline local cloud was not running")
    return 0


def _status(settings: CloudSettings) -> int:
    current = process.status(settings)
    print(current.describe())
    return 0 if current.running else 3


def _env(settings: CloudSettings) -> int:
    for name, value in client_environment(settings.endpoint_url).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


def _require_running(settings: CloudSettings) -> None:
    if not process.status(settings).running:
        raise process.CloudError(
            f"the local cloud is not running on {settings.endpoint_url}; start it with "
            "`make up` (or `glueline up`)"
        )


def _cdk(settings: CloudSettings, arguments: list[str]) -> int:
    _require_running(settings)
    return cdk_local.run_cdklocal(settings, arguments, Path.cwd())


def _deploy(settings: CloudSettings) -> int:
    _require_running(settings)
    return cdk_local.deploy_local_stage(settings, Path.cwd())


def _e2e(settings: CloudSettings, backend: str) -> int:
    from glueline import e2e

    if backend == "docker":
        from glueline import docker_backend

        docker_settings = CloudSettings(docker_backend.LOCALSTACK_PORT, settings.state_dir)
        glue = {"glue": docker_backend.GLUE_ENDPOINT_ON_HOST}
        return e2e.run(docker_settings, service_endpoints=glue)
    _require_running(settings)
    return e2e.run(settings)


COMMANDS = {
    "up": (_up, "start the local cloud in the background on http://localhost:4566"),
    "down": (_down, "stop the local cloud and every process it started"),
    "status": (_status, "say whether the local cloud runs, and where its log and state live"),
    "deploy": (_deploy, "bootstrap and deploy the local stage's stacks with cdklocal"),
    "env": (_env, "print shell exports that point AWS SDKs and CLIs at the local cloud"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glueline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    e2e = commands.add_parser("e2e", help="run the pipeline on the sample data and check it")
    e2e.add_argument("--backend", choices=("local", "docker"), default="local")
    cdk = commands.add_parser("cdk", help="run cdklocal against the local cloud")
    cdk.add_argument("arguments", nargs=argparse.REMAINDER, help="arguments for cdklocal")
    args = parser.parse_args(argv)
    settings = CloudSettings.from_environment()
    try:
        if args.command == "cdk":
            return _cdk(settings, args.arguments)
        if args.command == "e2e":
            return _e2e(settings, args.backend)
        return COMMANDS[args.command][0](settings)
    except process.CloudError as error:
        print(f"glueline: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
