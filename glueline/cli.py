"""The ``glueline`` command: start, stop and inspect the local cloud; check a deployed stage."""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from glueline import cdk_local
from glueline.cloud import process
from glueline.cloud.persistence import StateStore
from glueline.cloud.settings import EPHEMERAL_VARIABLE, CloudSettings, client_environment

if TYPE_CHECKING:
    from glueline.e2e import Pace


def _up(settings: CloudSettings) -> int:
    already = process.status(settings).running
    current = process.start(settings)
    verb = "already running" if already else "started"
    print(f"glueline local cloud {verb} on {settings.endpoint_url} (pid {current.pid})")
    if not already and settings.ephemeral:
        print("its AWS state is in memory only: `glueline down` forgets it")
    return 0


def _reset(settings: CloudSettings, confirmed: bool) -> int:
    """Delete the saved AWS state (and the run folders that went with it), once asked twice:
    it is everything uploaded, deployed and run."""
    if process.status(settings).running:
        raise process.CloudError(
            "the local cloud is running and would save its state again; stop it first "
            "(`glueline down`), then reset"
        )
    store = StateStore(settings.saved_state_dir)
    stored = store.stored()
    if not store.exists() and not settings.work_dir.exists():
        print(f"nothing to reset in {settings.state_dir}")
        return 0
    what = stored.describe() if stored else "a saved state"
    print(f"this deletes {what}, in {settings.saved_state_dir}, and {settings.work_dir}")
    if not confirmed and input("delete it? [y/N] ").strip().lower() not in ("y", "yes"):
        print("nothing deleted")
        return 1
    store.wipe()
    shutil.rmtree(settings.work_dir, ignore_errors=True)
    print("deleted: the next `glueline up` starts empty")
    return 0


def _down(settings: CloudSettings) -> int:
    stopped = process.stop(settings)
    print("glueline local cloud stopped" if stopped else "glueline local cloud was not running")
    return 0


def _status(settings: CloudSettings) -> int:
    current = process.status(settings)
    print(current.describe())
    return 0 if current.running else 3


#: AWS CLI v1 replaces the endpoint of SQS, EMR, RDS and Health with its own unless
#: ``--endpoint-url`` is given (awscli.customizations.overridesslcommonname), whatever
#: ``AWS_ENDPOINT_URL`` says; this shell function gives it for every command.
AWS_CLI_FUNCTION = 'aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }'


def _env(settings: CloudSettings) -> int:
    environment = {
        **client_environment(settings.endpoint_url),
        # Plain cdklocal reads the S3 endpoint from its own variable.
        "AWS_ENDPOINT_URL_S3": settings.endpoint_url,
    }
    for name, value in environment.items():
        print(f"export {name}={shlex.quote(value)}")
    print(AWS_CLI_FUNCTION)
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


def _e2e(settings: CloudSettings, args: argparse.Namespace) -> int:
    """Check a deployed stage; boto3 and pyarrow are imported here, not for every command."""
    from glueline import e2e
    from glueline.pipeline_client import (
        DEFAULT_PROJECT,
        LOCAL_STAGE_NAME,
        PipelineClient,
        PipelineError,
        StageStacks,
    )

    project = args.project or DEFAULT_PROJECT
    if args.target == "aws":
        try:
            client = PipelineClient.aws(region=args.region, progress=e2e.show_progress)
        except PipelineError as error:
            print(f"glueline: {error}", file=sys.stderr)
            return 1
        stacks = StageStacks(args.stage, project)
        pace = _with_run_timeout(e2e.AWS_PACE, args.run_timeout)
        return e2e.run(client, stacks, pace, include_batch_job=False, keep=args.keep)
    if args.backend == "docker":
        from glueline import docker_backend

        docker_settings = CloudSettings(docker_backend.LOCALSTACK_PORT, settings.state_dir)
        client = PipelineClient.local(
            docker_settings,
            service_endpoints={"glue": docker_backend.GLUE_ENDPOINT_ON_HOST},
            progress=e2e.show_progress,
        )
    else:
        _require_running(settings)
        client = PipelineClient.local(settings, progress=e2e.show_progress)
    stacks = StageStacks(args.stage or LOCAL_STAGE_NAME, project)
    pace = _with_run_timeout(e2e.LOCAL_PACE, args.run_timeout)
    return e2e.run(client, stacks, pace, include_batch_job=True, keep=args.keep)


def _with_run_timeout(pace: Pace, run_timeout: float | None) -> Pace:
    return pace if run_timeout is None else dataclasses.replace(pace, run_timeout=run_timeout)


def _add_e2e_parser(commands: argparse._SubParsersAction) -> argparse.ArgumentParser:
    e2e = commands.add_parser(
        "e2e",
        help="run a deployed stage's pipeline on sample data and check it",
        description="Upload sample data under a fresh check folder, follow the trigger and the "
        "Glue run, check the Parquet and the catalog, then remove what the check wrote.",
    )
    e2e.add_argument(
        "--target",
        choices=("local", "aws"),
        default="local",
        help="local: the local cloud (default); aws: a stage deployed to AWS, reached with "
        "boto3's default credentials and region (AWS_ENDPOINT_URL is honoured when set)",
    )
    e2e.add_argument(
        "--backend",
        choices=("local", "docker"),
        default="local",
        help="which local cloud: the embedded one (default) or the Docker setup (--target local)",
    )
    e2e.add_argument(
        "--stage",
        help="stage to check (default: local; required with --target aws)",
    )
    e2e.add_argument(
        "--project",
        help="project name in the stack names <project>-<stage>-infrastructure and "
        "-application (default: glueline)",
    )
    e2e.add_argument("--region", help="the stage's AWS region (--target aws; default: boto3's)")
    e2e.add_argument(
        "--run-timeout",
        type=float,
        metavar="SECONDS",
        help="how long to wait for the Glue run to end before stopping it "
        "(default: 600 locally, 1800 in AWS)",
    )
    e2e.add_argument(
        "--keep", action="store_true", help="leave what the check wrote, to look at it"
    )
    return e2e


def _validate_e2e(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.target == "aws":
        if not args.stage:
            parser.error("--target aws needs --stage, the stage to check (e.g. --stage dev)")
        if args.backend != "local":
            parser.error("--backend chooses a local cloud; it does not apply to --target aws")
    elif args.region:
        parser.error("--region applies to --target aws only")
    if args.run_timeout is not None and args.run_timeout <= 0:
        parser.error(f"--run-timeout must be a positive number of seconds, not {args.run_timeout}")


COMMANDS = {
    "down": (_down, "stop the local cloud and every process it started"),
    "status": (
        _status,
        "say whether the local cloud runs, where its log is, and what state it keeps",
    ),
    "deploy": (_deploy, "bootstrap and deploy the local stage's stacks with cdklocal"),
    "env": (_env, "print shell exports that point AWS SDKs and CLIs at the local cloud"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="glueline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up",
        help="start the local cloud in the background on http://localhost:4566, back where "
        "the last `down` (or crash) left it: its AWS state is saved in the state directory",
    )
    up.add_argument(
        "--ephemeral",
        action="store_true",
        help=f"keep its AWS state in memory only, as {EPHEMERAL_VARIABLE}=1 does: nothing "
        "saved is loaded, nothing is saved",
    )
    for name, (_, help_text) in COMMANDS.items():
        commands.add_parser(name, help=help_text)
    reset = commands.add_parser(
        "reset",
        help="delete the saved AWS state (buckets, objects, stacks, runs...) and the run "
        "folders of a stopped cloud; the next `up` starts empty",
    )
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    e2e = _add_e2e_parser(commands)
    cdk = commands.add_parser("cdk", help="run cdklocal against the local cloud")
    cdk.add_argument("arguments", nargs=argparse.REMAINDER, help="arguments for cdklocal")
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["cdk"]:
        # Everything after `cdk` is cdklocal's, options first included (`cdk --version`),
        # which argparse's REMAINDER would reject.
        args = argparse.Namespace(command="cdk", arguments=arguments[1:])
    else:
        args = parser.parse_args(arguments)
    if args.command == "e2e":
        _validate_e2e(e2e, args)
    settings = CloudSettings.from_environment()
    try:
        if args.command == "cdk":
            return _cdk(settings, args.arguments)
        if args.command == "e2e":
            return _e2e(settings, args)
        if args.command == "up":
            if args.ephemeral:
                settings = dataclasses.replace(settings, ephemeral=True)
            return _up(settings)
        if args.command == "reset":
            return _reset(settings, args.yes)
        return COMMANDS[args.command][0](settings)
    except process.CloudError as error:
        print(f"glueline: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
