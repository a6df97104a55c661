"""The Docker backend: LocalStack for every service but Glue, glueline's Glue service for Glue.

LocalStack's community image has no Glue (no API, no CloudFormation resource types), so the
Docker setup (``docker-compose.yml``) runs glueline's Glue service next to it on its own port.
This module is that service's entry point inside its container and the host-side helpers
``make up|deploy|down BACKEND=docker`` call:

- ``serve``: moto's Glue with glueline's run lifecycle, where each run is ``docker run`` of the
  AWS Glue libs image on the compose network (the launcher's argv builder), its code fetched
  from LocalStack's S3 and its logs and state-change events sent to LocalStack.
- ``deploy``: ``cdklocal`` deploys the local stage to LocalStack, which is configured to skip
  exactly the Glue types (``docker/localstack.env``) and to fail on any other type it lacks;
  glueline then creates those Glue resources from the deployed templates in its Glue service,
  and fails loudly on anything it cannot resolve.

Everything that decides a command, an environment or a resource is a pure function so that
it is unit-tested without a Docker daemon (``tests/unit/docker``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glueline.cloud.glue import launcher
from glueline.cloud.settings import (
    LOCAL_ACCESS_KEY_ID,
    LOCAL_ACCOUNT_ID,
    LOCAL_REGION,
    LOCAL_SECRET_ACCESS_KEY,
    CloudSettings,
    client_environment,
)

log = logging.getLogger("glueline.docker")

#: The compose project and the network job containers join, by name (docker-compose.yml).
COMPOSE_PROJECT = "glueline"
COMPOSE_FILE = "docker-compose.yml"
NETWORK = "glueline"
#: Ports published on the host's loopback interface.
LOCALSTACK_PORT = 4566
GLUE_PORT = 4567
#: The same services as seen from containers on the compose network.
LOCALSTACK_ENDPOINT_IN_NETWORK = f"http://localstack:{LOCALSTACK_PORT}"
GLUE_ENDPOINT_IN_NETWORK = f"http://glueline:{GLUE_PORT}"
#: The same services as seen from the host (``localhost``, as for the embedded cloud).
LOCALSTACK_ENDPOINT_ON_HOST = f"http://localhost:{LOCALSTACK_PORT}"
GLUE_ENDPOINT_ON_HOST = f"http://localhost:{GLUE_PORT}"
#: The SDKs' service-specific endpoint variable: Glue calls go here, everything else to
#: ``AWS_ENDPOINT_URL`` (LocalStack).
GLUE_ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL_GLUE"
#: Inside the container the service listens on every interface of the container's own
#: network namespace; compose publishes the port on the host's 127.0.0.1 only.
CONTAINER_BIND_ADDRESS = "0.0.0.0"
#: Where the service keeps run code when GLUELINE_STATE_DIR is unset (docker-compose.yml).
DEFAULT_STATE_DIR = "/tmp/glueline-docker"
#: CloudFormation types LocalStack skips and glueline creates (docker/localstack.env).
GLUE_DATABASE = "AWS::Glue::Database"
GLUE_JOB = "AWS::Glue::Job"
GLUE_TYPES = (GLUE_DATABASE, GLUE_JOB)
#: ``AWS::Glue::Job`` properties that ``CreateJob`` takes under the same name.
JOB_PROPERTIES = (
    "Name",
    "Description",
    "LogUri",
    "Role",
    "ExecutionProperty",
    "Command",
    "DefaultArguments",
    "NonOverridableArguments",
    "Connections",
    "MaxRetries",
    "AllocatedCapacity",
    "Timeout",
    "MaxCapacity",
    "SecurityConfiguration",
    "Tags",
    "NotificationProperty",
    "GlueVersion",
    "NumberOfWorkers",
    "WorkerType",
    "ExecutionClass",
    "JobMode",
    "MaintenanceWindow",
)

ClientFactory = Callable[[str], Any]


class DockerBackendError(Exception):
    """Something the user can act on; the message says what and where."""


class UnresolvableTemplate(DockerBackendError):
    """A Glue resource uses a value glueline cannot resolve outside CloudFormation."""


# --- commands and environments -------------------------------------------------------------


def compose_command(project_dir: Path, *arguments: str) -> list[str]:
    """``docker compose`` for this project, whatever the current directory or project name."""
    return [
        "docker",
        "compose",
        "--project-name",
        COMPOSE_PROJECT,
        "--file",
        str(project_dir / COMPOSE_FILE),
        *arguments,
    ]


def up_command(project_dir: Path) -> list[str]:
    """Build glueline's image, start the stack and return once every health check passes."""
    return compose_command(project_dir, "up", "--detach", "--build", "--wait")


def down_command(project_dir: Path) -> list[str]:
    """Stop and remove the containers and the network; named volumes stay."""
    return compose_command(project_dir, "down", "--remove-orphans")


def host_client_environment() -> dict[str, str]:
    """What points SDKs and CLIs on the host at the Docker setup: Glue to glueline's service,
    everything else to LocalStack."""
    return {
        **client_environment(LOCALSTACK_ENDPOINT_ON_HOST),
        GLUE_ENDPOINT_VARIABLE: GLUE_ENDPOINT_ON_HOST,
    }


def job_command(spec: launcher.LaunchSpec) -> list[str]:
    """The ``docker run`` of one job run, as glueline's Glue service issues it.

    The launcher's builder on the compose network with LocalStack as the S3 endpoint, plus
    ``AWS_ENDPOINT_URL_GLUE`` so that the script's own ``boto3.client("glue")`` (catalog
    updates) reaches glueline instead of LocalStack, which would answer that Glue is absent.
    """
    return launcher.docker_command(
        spec,
        LOCALSTACK_ENDPOINT_IN_NETWORK,
        network=NETWORK,
        extra_environment={GLUE_ENDPOINT_VARIABLE: GLUE_ENDPOINT_IN_NETWORK},
    )


def cdklocal_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``cdklocal``'s environment for LocalStack: its own defaults, which target LocalStack.

    glueline's embedded-cloud settings (``AWS_ENDPOINT_URL_S3=http://localhost:4566`` and the
    Node DNS shim) are for moto; LocalStack is what cdklocal is made for, so any endpoint
    variable inherited from a shell pointed at the embedded cloud is dropped.
    """
    dropped = {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", GLUE_ENDPOINT_VARIABLE}
    env = {key: value for key, value in environ.items() if key not in dropped}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": LOCAL_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET_ACCESS_KEY,
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "CDK_DEFAULT_ACCOUNT": LOCAL_ACCOUNT_ID,
            "CDK_DEFAULT_REGION": LOCAL_REGION,
        }
    )
    return env


def cdklocal_commands(cdklocal: str) -> list[list[str]]:
    """Bootstrap (idempotent) and deploy every stack of the local config."""
    return [
        [cdklocal, "bootstrap", f"aws://{LOCAL_ACCOUNT_ID}/{LOCAL_REGION}"],
        [cdklocal, "deploy", "--all", "-c", "config=local", "--require-approval", "never"],
    ]


# --- Glue resources of deployed stacks -----------------------------------------------------


@dataclass(frozen=True)
class GlueResource:
    """One ``AWS::Glue::*`` resource of a deployed stack, its properties fully resolved."""

    stack_name: str
    logical_id: str
    resource_type: str
    properties: dict[str, Any]

    @property
    def name(self) -> str:
        if self.resource_type == GLUE_DATABASE:
            return str(self.properties["DatabaseInput"]["Name"])
        return str(self.properties["Name"])


def resolve(value: Any, exports: Mapping[str, str], pseudo: Mapping[str, str], where: str) -> Any:
    """Resolve the intrinsics a Glue resource of our stacks uses: ``Fn::ImportValue``,
    ``Fn::Join``, ``Fn::Sub`` on pseudo parameters and ``Ref`` to pseudo parameters.

    Anything else (a ``Ref`` or ``Fn::GetAtt`` to a resource, conditions) only CloudFormation
    can answer, and guessing would create a resource unlike the one AWS would: it raises.
    """
    if isinstance(value, list):
        return [resolve(item, exports, pseudo, f"{where}[{i}]") for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Fn::ImportValue":
            name = resolve(argument, exports, pseudo, where)
            if name not in exports:
                raise UnresolvableTemplate(f"{where}: no export named {name!r} in LocalStack")
            return exports[name]
        if key == "Fn::Join":
            separator, items = argument
            parts = resolve(items, exports, pseudo, where)
            return separator.join(str(part) for part in parts)
        if key == "Ref" and argument in pseudo:
            return pseudo[argument]
        if key == "Fn::Sub" and isinstance(argument, str):
            return _substitute(argument, pseudo, where)
        if key == "Ref" or key.startswith(("Fn::", "Condition")):
            raise UnresolvableTemplate(
                f"{where}: {key} {json.dumps(argument)} needs CloudFormation; glueline creates "
                "Glue resources only from exports, pseudo parameters and literals"
            )
    return {key: resolve(item, exports, pseudo, f"{where}.{key}") for key, item in value.items()}


def _substitute(template: str, pseudo: Mapping[str, str], where: str) -> str:
    result = template
    for name, replacement in pseudo.items():
        result = result.replace("${" + name + "}", replacement)
    if "${" in result:
        raise UnresolvableTemplate(
            f"{where}: Fn::Sub {template!r} refers to more than pseudo parameters"
        )
    return result


def pseudo_parameters(stack_name: str, stack_id: str) -> dict[str, str]:
    return {
        "AWS::AccountId": LOCAL_ACCOUNT_ID,
        "AWS::Region": LOCAL_REGION,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::NoValue": "",
    }


def glue_resources(
    template: Mapping[str, Any], stack_name: str, stack_id: str, exports: Mapping[str, str]
) -> list[GlueResource]:
    """The template's Glue resources, resolved; raises on a Glue type glueline does not create
    (a Table, Crawler or Trigger would otherwise be skipped by LocalStack without a trace)."""
    pseudo = pseudo_parameters(stack_name, stack_id)
    found: list[GlueResource] = []
    for logical_id, resource in template.get("Resources", {}).items():
        resource_type = resource.get("Type", "")
        if not resource_type.startswith("AWS::Glue::"):
            continue
        if resource_type not in GLUE_TYPES:
            raise UnresolvableTemplate(
                f"{stack_name}/{logical_id}: glueline's Docker backend creates only "
                f"{', '.join(GLUE_TYPES)}, not {resource_type}"
            )
        where = f"{stack_name}/{logical_id}"
        properties = resolve(resource.get("Properties", {}), exports, pseudo, where)
        if resource_type == GLUE_JOB and not properties.get("Name"):
            raise UnresolvableTemplate(
                f"{where}: an AWS::Glue::Job without Name gets its name from CloudFormation; "
                "give the job a name in the stack"
            )
        found.append(GlueResource(stack_name, logical_id, resource_type, properties))
    return found


def provision(glue: Any, resources: Sequence[GlueResource]) -> dict[str, str]:
    """Create or update each resource in glueline's Glue; returns logical id -> name.

    Databases first, so that a job's catalog arguments name a database that exists.
    """
    created: dict[str, str] = {}
    ordered = sorted(resources, key=lambda resource: resource.resource_type != GLUE_DATABASE)
    for resource in ordered:
        if resource.resource_type == GLUE_DATABASE:
            _put_database(glue, resource.properties)
        else:
            _put_job(glue, resource.properties)
        created[resource.logical_id] = resource.name
    return created


def _put_database(glue: Any, properties: Mapping[str, Any]) -> None:
    database_input = dict(properties["DatabaseInput"])
    try:
        glue.create_database(DatabaseInput=database_input)
    except glue.exceptions.AlreadyExistsException:
        glue.update_database(Name=database_input["Name"], DatabaseInput=database_input)


def _put_job(glue: Any, properties: Mapping[str, Any]) -> None:
    unknown = sorted(set(properties) - set(JOB_PROPERTIES))
    if unknown:
        raise UnresolvableTemplate(f"AWS::Glue::Job properties glueline does not map: {unknown}")
    job = dict(properties)
    try:
        glue.create_job(**job)
    except glue.exceptions.AlreadyExistsException:
        name = job.pop("Name")
        job.pop("Tags", None)
        glue.update_job(JobName=name, JobUpdate=job)


def deployed_glue_resources(cloudformation: Any) -> list[GlueResource]:
    """Every Glue resource of every stack deployed to LocalStack, from its own templates."""
    exports: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_exports").paginate():
        exports.update({export["Name"]: export["Value"] for export in page["Exports"]})
    resources: list[GlueResource] = []
    for page in cloudformation.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            if stack["StackStatus"].startswith("DELETE"):
                continue
            body = cloudformation.get_template(StackName=stack["StackName"])["TemplateBody"]
            template = json.loads(body) if isinstance(body, str) else body
            resources.extend(
                glue_resources(template, stack["StackName"], stack["StackId"], exports)
            )
    return resources


# --- the service inside its container -------------------------------------------------------


class LocalStackRunHooks:
    """A run's S3, CloudWatch Logs and EventBridge: LocalStack's, where the stacks live.

    The embedded cloud's hooks read moto's in-process backends; in the Docker setup the
    scripts, the log groups and the event rules are LocalStack's.
    """

    def __init__(self, client: ClientFactory) -> None:
        self._client = client

    def fetch(self, location: str) -> bytes:
        from glueline.cloud.glue.runs import ObjectNotFound

        s3 = self._client("s3")
        bucket, _, key = location.split("://", 1)[1].partition("/")
        try:
            return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket) as exc:
            raise ObjectNotFound(f"no object {key} in bucket {bucket} ({exc})") from exc

    def write_logs(self, run: Any, stdout: str, stderr: str) -> None:
        import time

        from glueline.cloud.glue import logs as glue_logs

        client = self._client("logs")
        now = int(time.time() * 1000)
        for group, text in ((glue_logs.OUTPUT_GROUP, stdout), (glue_logs.ERROR_GROUP, stderr)):
            for create, arguments in (
                (client.create_log_group, {"logGroupName": group}),
                (
                    client.create_log_stream,
                    {"logGroupName": group, "logStreamName": run.job_run_id},
                ),
            ):
                with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                    create(**arguments)
            events = glue_logs.log_events(text, now)
            for start in range(0, len(events), glue_logs.BATCH_SIZE):
                client.put_log_events(
                    logGroupName=group,
                    logStreamName=run.job_run_id,
                    logEvents=events[start : start + glue_logs.BATCH_SIZE],
                )

    def state_changed(self, run: Any) -> None:
        from glueline.cloud.glue.events import state_change_entry

        self._client("events").put_events(Entries=[state_change_entry(run)])


def localstack_clients(endpoint_url: str = LOCALSTACK_ENDPOINT_IN_NETWORK) -> ClientFactory:
    """boto3 clients for LocalStack, one per service, created once."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id=LOCAL_ACCESS_KEY_ID,
        aws_secret_access_key=LOCAL_SECRET_ACCESS_KEY,
        region_name=LOCAL_REGION,
    )
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=endpoint_url)
        return clients[service]

    return client


def install_docker_runtime(settings: CloudSettings, hooks: LocalStackRunHooks) -> None:
    """Make moto's Glue run jobs in the Glue libs image with LocalStack's S3, Logs, events."""
    from glueline.cloud.glue import moto_integration
    from glueline.cloud.glue.runs import GlueJobRunner

    moto_integration.install(
        GlueJobRunner(settings, command_builder=job_command), hooks_for=lambda _job: hooks
    )


def serve(port: int, state_dir: Path) -> None:
    """glueline's Glue service in the foreground (the container's entry point)."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import make_server

    from glueline.cloud.server import build_app

    os.environ.setdefault("MOTO_ACCOUNT_ID", LOCAL_ACCOUNT_ID)
    settings = CloudSettings(port=port, state_dir=state_dir)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    app = build_app(settings)
    install_docker_runtime(settings, LocalStackRunHooks(localstack_clients()))
    server = make_server(
        CONTAINER_BIND_ADDRESS, port, app, threaded=True, request_handler=MotoRequestHandler
    )
    log.info("glueline Glue service listening on port %s (state in %s)", port, state_dir)
    server.serve_forever()


# --- host-side commands --------------------------------------------------------------------


def deploy(project_dir: Path) -> dict[str, str]:
    """Deploy the local stage to LocalStack, then create its Glue resources in glueline."""
    import boto3

    from glueline.cdk_local import find_cdklocal

    env = cdklocal_environment(os.environ)
    for command in cdklocal_commands(find_cdklocal(project_dir)):
        if subprocess.run(command, cwd=project_dir, env=env).returncode != 0:
            raise DockerBackendError(f"{' '.join(command)} failed against LocalStack")
    host = host_client_environment()
    credentials = {
        "aws_access_key_id": host["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": host["AWS_SECRET_ACCESS_KEY"],
        "region_name": host["AWS_REGION"],
    }
    cloudformation = boto3.client(
        "cloudformation", endpoint_url=LOCALSTACK_ENDPOINT_ON_HOST, **credentials
    )
    glue = boto3.client("glue", endpoint_url=GLUE_ENDPOINT_ON_HOST, **credentials)
    return provision(glue, deployed_glue_resources(cloudformation))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glueline.docker_backend", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the Glue service (inside its container)")
    serve_parser.add_argument(
        "--port", type=int, default=int(os.environ.get("GLUELINE_GLUE_PORT", GLUE_PORT))
    )
    serve_parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("GLUELINE_STATE_DIR", DEFAULT_STATE_DIR)),
    )
    commands.add_parser("up", help="start the Docker setup and wait until it is healthy")
    commands.add_parser("down", help="stop the Docker setup (named volumes stay)")
    commands.add_parser("deploy", help="deploy the local stage to LocalStack, Glue to glueline")
    commands.add_parser("env", help="print shell exports for the Docker setup")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    project_dir = Path.cwd()
    try:
        if args.command == "serve":
            serve(args.port, args.state_dir.resolve())
        elif args.command == "up":
            return subprocess.run(up_command(project_dir)).returncode
        elif args.command == "down":
            return subprocess.run(down_command(project_dir)).returncode
        elif args.command == "deploy":
            for logical_id, name in deploy(project_dir).items():
                print(f"glue: {logical_id} -> {name}")
        else:
            for name, value in host_client_environment().items():
                print(f"export {name}={shlex.quote(value)}")
    except DockerBackendError as error:
        print(f"glueline: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
