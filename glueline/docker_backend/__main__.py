"""``python -m glueline.docker_backend COMMAND``: what ``make ... BACKEND=docker`` runs."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path

from glueline.docker_backend import compose, engine, images
from glueline.docker_backend.endpoints import DEFAULT_STATE_DIR, GLUE_PORT, host_client_environment
from glueline.docker_backend.errors import DockerBackendError

#: ``engine`` exits with this where this machine cannot have an engine (no root, no apt-get),
#: so that CI can tell "Docker impossible here" from "Docker broken".
NO_ENGINE_EXIT_CODE = 3


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m glueline.docker_backend",
        description="glueline's Docker setup: LocalStack plus glueline's Glue service",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the Glue service (inside its container)")
    serve.add_argument(
        "--port", type=int, default=int(os.environ.get("GLUELINE_GLUE_PORT", GLUE_PORT))
    )
    serve.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("GLUELINE_STATE_DIR", DEFAULT_STATE_DIR)),
    )
    start = commands.add_parser(
        "engine", help="make a Docker engine and the Compose plugin answer, starting them here"
    )
    start.add_argument("--data-root", type=Path, default=engine.DEFAULT_DATA_ROOT)
    start.add_argument("--log-file", type=Path, default=engine.DEFAULT_LOG_FILE)
    start.add_argument("--storage-driver", default="", help="default: dockerd's own choice")
    start.add_argument(
        "--check",
        action="store_true",
        help=f"start nothing: say whether an engine answers or can be started "
        f"(exit {NO_ENGINE_EXIT_CODE} when neither)",
    )
    commands.add_parser("images", help="pull every image, or build stand-ins where none pulls")
    commands.add_parser("up", help="start the Docker setup and wait until it is healthy")
    commands.add_parser("down", help="stop the Docker setup (named volumes stay)")
    commands.add_parser("deploy", help="deploy the local stage to LocalStack, Glue to glueline")
    commands.add_parser("env", help="print shell exports for the Docker setup")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    project_dir = Path.cwd()
    try:
        if args.command == "serve":
            from glueline.docker_backend.service import serve

            serve(args.port, args.state_dir.resolve())
        elif args.command == "engine" and args.check:
            reason = engine.why_no_engine_here()
            print(f"docker engine: {reason or 'one answers or can be started here'}")
            return NO_ENGINE_EXIT_CODE if reason else 0
        elif args.command == "engine":
            settings = engine.EngineSettings(args.data_root, args.log_file, args.storage_driver)
            print(f"docker engine: {engine.ensure_engine(settings)}")
            print(f"docker engine: {engine.ensure_compose()}")
        elif args.command == "images":
            outcomes = images.ImageProvider(project_dir).ensure_all()
            print("images:", *images.summary(outcomes), sep="\n")
        elif args.command == "up":
            command = compose.up_command(project_dir, compose.runs_offline())
            return subprocess.run(command).returncode
        elif args.command == "down":
            stopped = subprocess.run(compose.down_command(project_dir)).returncode
            for name in compose.remove_leftovers():
                print(f"removed {name}")
            return stopped
        elif args.command == "deploy":
            from glueline.docker_backend.deploy import deploy

            for logical_id, name in deploy(project_dir).items():
                print(f"glue: {logical_id} -> {name}")
        else:
            for name, value in host_client_environment().items():
                print(f"export {name}={shlex.quote(value)}")
    except engine.NoEngineHere as error:
        print(f"glueline: {error}", file=sys.stderr)
        return NO_ENGINE_EXIT_CODE
    except DockerBackendError as error:
        print(f"glueline: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
