"""docker-compose.yml and docker/, checked without a Docker daemon.

The compose file is validated against the Compose Specification schema vendored in
docker/compose-spec/, and the rules the Docker setup promises (pinned images, loopback-only
ports, health checks, named volumes, the LocalStack token passed through) are asserted on the
parsed file.
"""

from __future__ import annotations

import ast
import hashlib
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from glueline.docker_backend import endpoints
from glueline.docker_backend.deploy import PROVIDED_TYPES

REPO = Path(__file__).resolve().parents[3]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA_DIR = REPO / "docker" / "compose-spec"
DOCKERFILE = REPO / "docker" / "glueline.Dockerfile"
LOCALSTACK_ENV = REPO / "docker" / "localstack.env"


def load_compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def compose_validator() -> jsonschema.protocols.Validator:
    schema = yaml.safe_load((SCHEMA_DIR / "compose-spec.json").read_text(encoding="utf-8"))
    return jsonschema.Draft201909Validator(schema)


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as compose reads them; comments and blank lines skipped."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def services() -> dict[str, dict[str, Any]]:
    return load_compose()["services"]


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    errors = [error.message for error in compose_validator().iter_errors(load_compose())]

    assert errors == []


def test_the_schema_rejects_what_compose_would_reject() -> None:
    broken = load_compose()
    broken["services"]["localstack"]["ports"] = 4566
    broken["services"]["glueline"]["healthcheck"]["retries"] = "many"

    errors = list(compose_validator().iter_errors(broken))

    assert len(errors) == 2


def test_the_vendored_schema_is_the_one_its_source_note_names() -> None:
    digest = hashlib.sha256((SCHEMA_DIR / "compose-spec.json").read_bytes()).hexdigest()
    source = (SCHEMA_DIR / "SOURCE.md").read_text(encoding="utf-8")

    assert f"sha256: `{digest}`" in source
    assert "Apache License" in (SCHEMA_DIR / "LICENSE").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["localstack", "glueline", "glue-libs"])
def test_every_image_is_pinned_to_an_explicit_tag(name: str) -> None:
    image = services()[name]["image"]
    repository, _, tag = image.rpartition(":")

    assert "/" not in tag, f"{image} has no tag (the colon belongs to a registry port)"
    assert repository and tag and tag != "latest"


def test_the_images_are_the_documented_ones() -> None:
    assert services()["localstack"]["image"] == "localstack/localstack:4.14"
    assert services()["glue-libs"]["image"] == "public.ecr.aws/glue/aws-glue-libs:5"


def test_every_dockerfile_base_image_is_pinned() -> None:
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)

    assert bases == ["debian:12.15-slim"]


def test_every_published_port_is_bound_to_the_loopback_interface() -> None:
    published = {name: service.get("ports", []) for name, service in services().items()}

    assert published == {
        "localstack": ["127.0.0.1:4566:4566"],
        "glueline": [f"127.0.0.1:{endpoints.GLUE_PORT}:{endpoints.GLUE_PORT}"],
        "glue-libs": [],
    }


def test_every_long_running_service_has_a_health_check() -> None:
    for name, service in services().items():
        if "profiles" in service:
            assert service["healthcheck"] == {"disable": True}, name
        else:
            assert service["healthcheck"]["test"][0] == "CMD", name


def test_health_checks_probe_each_service_on_its_own_port() -> None:
    localstack = services()["localstack"]["healthcheck"]["test"]
    glueline = services()["glueline"]["healthcheck"]["test"]

    assert "http://localhost:4566/_localstack/health" in localstack
    assert f"http://127.0.0.1:{endpoints.GLUE_PORT}/_glueline/health" in glueline[-1]


def test_services_wait_for_healthy_dependencies() -> None:
    assert services()["glueline"]["depends_on"] == {"localstack": {"condition": "service_healthy"}}
    assert services()["glue-libs"]["depends_on"] == {
        "localstack": {"condition": "service_healthy"},
        "glueline": {"condition": "service_healthy"},
    }


def test_every_named_volume_is_declared() -> None:
    compose = load_compose()
    used = {
        volume.split(":", 1)[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if isinstance(volume, str) and not volume.startswith(("/", ".", "$"))
    }

    assert used == {"localstack-data"}
    assert set(compose["volumes"]) == used


def test_localstack_keeps_its_state_in_the_named_volume() -> None:
    assert "localstack-data:/var/lib/localstack" in services()["localstack"]["volumes"]


def test_the_localstack_auth_token_is_passed_through_and_never_baked_in() -> None:
    environment = services()["localstack"]["environment"]

    assert "LOCALSTACK_AUTH_TOKEN" in environment
    assert environment["LOCALSTACK_AUTH_TOKEN"] is None
    assert "LOCALSTACK_AUTH_TOKEN" not in env_file(LOCALSTACK_ENV)


def test_localstack_fails_on_unsupported_types_except_the_glue_ones_glueline_creates() -> None:
    settings = env_file(LOCALSTACK_ENV)

    assert services()["localstack"]["env_file"] == ["docker/localstack.env"]
    assert settings["CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES"] == "0"
    for variable in ("CFN_IGNORE_UNSUPPORTED_TYPE_CREATE", "CFN_IGNORE_UNSUPPORTED_TYPE_UPDATE"):
        assert settings[variable].split(",") == list(PROVIDED_TYPES)


def test_lambda_containers_reach_glueline_for_glue() -> None:
    settings = env_file(LOCALSTACK_ENV)

    assert settings["LAMBDA_DOCKER_NETWORK"] == endpoints.NETWORK
    assert settings["MAIN_DOCKER_NETWORK"] == endpoints.NETWORK
    assert settings["LAMBDA_DOCKER_FLAGS"] == (
        f"-e {endpoints.GLUE_ENDPOINT_VARIABLE}={endpoints.GLUE_ENDPOINT_IN_NETWORK}"
    )


def test_services_that_start_containers_get_the_docker_socket() -> None:
    socket = "/var/run/docker.sock:/var/run/docker.sock"

    assert socket in services()["localstack"]["volumes"]
    assert socket in services()["glueline"]["volumes"]
    assert "volumes" not in services()["glue-libs"]


def test_glueline_state_has_the_same_path_inside_and_outside_its_container() -> None:
    glueline = services()["glueline"]
    (state,) = [volume for volume in glueline["volumes"] if isinstance(volume, dict)]

    assert state["type"] == "bind"
    assert state["source"] == state["target"] == glueline["environment"]["GLUELINE_STATE_DIR"]
    assert state["source"] == f"${{GLUELINE_DOCKER_STATE_DIR:-{endpoints.DEFAULT_STATE_DIR}}}"


def test_glueline_is_built_from_its_dockerfile_and_tagged() -> None:
    glueline = services()["glueline"]

    assert glueline["build"] == {"context": ".", "dockerfile": "docker/glueline.Dockerfile"}
    assert glueline["image"] == "glueline/glue-service:0.1.0"
    assert glueline["environment"]["GLUELINE_GLUE_PORT"] == str(endpoints.GLUE_PORT)


def test_the_build_context_admits_only_what_the_image_copies() -> None:
    ignore = (REPO / "docker" / "glueline.Dockerfile.dockerignore").read_text(encoding="utf-8")
    rules = [line for line in ignore.splitlines() if line and not line.startswith("#")]

    assert rules[0] == "*"
    assert not any(rule.startswith("!") and "venv" in rule for rule in rules)
    assert "!docker/glueline-requirements.txt" in rules


def test_the_service_requirements_have_the_project_pins() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = set(pyproject["project"]["dependencies"])
    requirements = [
        line.strip()
        for line in (REPO / "docker" / "glueline-requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    assert requirements == ["moto[server]==5.2.5", "boto3==1.44.5", "pyarrow==26.0.1"]
    assert set(requirements) <= pinned


# The requirement that brings each third-party module the service's code imports at load time.
SERVICE_MODULE_PROVIDERS = {
    "moto": "moto[server]",
    "werkzeug": "moto[server]",
    "boto3": "boto3",
    "botocore": "boto3",
    "pyarrow": "pyarrow",
}


def module_level_imports(path: Path) -> set[str]:
    """Top-level names of the third-party modules a file imports when it is loaded."""
    roots: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots - set(sys.stdlib_module_names) - {"__future__", "glueline"}


def test_the_service_requirements_cover_every_module_the_service_code_imports() -> None:
    requirements = (REPO / "docker" / "glueline-requirements.txt").read_text(encoding="utf-8")
    service_code = [
        *(REPO / "glueline" / "cloud").rglob("*.py"),
        *(REPO / "glueline" / "docker_backend").rglob("*.py"),
    ]
    imported = {
        root: path.relative_to(REPO) for path in service_code for root in module_level_imports(path)
    }

    unknown = {
        root: str(path) for root, path in imported.items() if root not in SERVICE_MODULE_PROVIDERS
    }
    assert not unknown, "add these to docker/glueline-requirements.txt and SERVICE_MODULE_PROVIDERS"
    for root in imported:
        assert f"{SERVICE_MODULE_PROVIDERS[root]}==" in requirements, root


def test_the_network_has_the_fixed_name_glueline_uses_for_job_containers() -> None:
    compose = load_compose()

    assert compose["networks"] == {"glueline": {"name": endpoints.NETWORK}}
    for name, service in compose["services"].items():
        assert service["networks"] == ["glueline"], name


def test_the_glue_service_answers_to_its_service_name_and_localhost() -> None:
    allowed = services()["glueline"]["environment"]["GLUELINE_ALLOWED_HOSTS"]

    assert allowed.split(",") == ["glueline", "localhost"]
    assert endpoints.GLUE_ENDPOINT_IN_NETWORK.removeprefix("http://").split(":")[0] == "glueline"
