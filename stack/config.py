"""Typed, validated configuration for every deployment target, one YAML file per target.

Values are checked on load so a typo fails before CloudFormation sees it. Placeholders
(`<...>`) exist so that `config/aws.yaml` can be committed without real account ids: they
synthesize with stand-ins only when the caller passes `allow_placeholders`, so a deploy
never reaches AWS with a fake value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "config"

PLACEHOLDER_PATTERN = re.compile(r"<[^<>]*>")
MAX_BUCKET_NAME_LENGTH = 63

AccountId = Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
Region = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")]
ResourceName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,20}$")]
StageName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9]{1,9}$")]
GlueDatabaseName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,254}$")]
ConnectionArn = Annotated[
    str,
    StringConstraints(
        pattern=r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/.+$"
    ),
]
Repository = Annotated[str, StringConstraints(pattern=r"^[\w.-]+/[\w.-]+$")]
TagValue = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class ConfigError(ValueError):
    """A config file is missing a value, holds a placeholder, or holds an invalid value."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TagsConfig(_Model):
    """Cost allocation tags; `Environment` is added per stage from the stage name."""

    project: TagValue
    owner: TagValue
    cost_center: TagValue

    def for_environment(self, environment: str) -> dict[str, str]:
        return {
            "Environment": environment,
            "Project": self.project,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
        }


class StageConfig(_Model):
    """One deployment target: where it lives and how much its data is worth keeping."""

    account: AccountId
    region: Region
    glue_database: GlueDatabaseName
    removal_policy: Literal["retain", "destroy"]
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class PipelineConfig(_Model):
    """Where the delivery pipeline runs and which repository branch it follows."""

    account: AccountId
    region: Region
    connection_arn: ConnectionArn
    repository: Repository
    branch: Annotated[str, StringConstraints(min_length=1)]


class GluelineConfig(_Model):
    """A whole config file.

    `delivery: direct` deploys each stage's stacks straight from the CLI (the local cloud);
    `delivery: pipeline` synthesizes the delivery pipeline, which deploys the stages itself
    and is the only path that needs the `pipeline` section.
    """

    project: ResourceName
    delivery: Literal["direct", "pipeline"]
    tags: TagsConfig
    stages: Annotated[dict[StageName, StageConfig], Field(min_length=1)]
    pipeline: PipelineConfig | None = None
    source: Annotated[str, Field(exclude=True)] = "<memory>"

    def stage(self, name: str) -> StageSettings:
        if name not in self.stages:
            raise ConfigError(f"{self.source}: stages.{name} is missing")
        return StageSettings(
            project=self.project, name=name, tags=self.tags, **_fields(self.stages[name])
        )

    def require_pipeline(self) -> PipelineConfig:
        """The pipeline section, or an error naming it: only the aws app path needs it."""
        if self.pipeline is None:
            raise ConfigError(
                f"{self.source}: pipeline is missing (delivery: {self.delivery} needs it)"
            )
        return self.pipeline


class StageSettings(StageConfig):
    """A stage plus every name derived from it, so the stacks never assemble names themselves.

    Names embed stage, account and region because S3 bucket names are global: two stages, or
    two accounts deploying the same stage, must never collide.
    """

    project: ResourceName
    name: StageName
    tags: TagsConfig

    def bucket_name(self, purpose: str) -> str:
        name = f"{self.project}-{self.name}-{purpose}-{self.account}-{self.region}"
        if len(name) > MAX_BUCKET_NAME_LENGTH:
            raise ConfigError(f"bucket name {name!r} is longer than {MAX_BUCKET_NAME_LENGTH}")
        return name

    @property
    def input_bucket_name(self) -> str:
        return self.bucket_name("input")

    @property
    def output_bucket_name(self) -> str:
        return self.bucket_name("output")

    @property
    def assets_bucket_name(self) -> str:
        return self.bucket_name("assets")

    @property
    def access_logs_bucket_name(self) -> str:
        return self.bucket_name("access-logs")

    @property
    def file_processor_job_name(self) -> str:
        return f"{self.project}-{self.name}-file-processor"

    @property
    def legislators_job_name(self) -> str:
        return f"{self.project}-{self.name}-legislators"

    @property
    def infrastructure_stack_name(self) -> str:
        return f"{self.project}-{self.name}-infrastructure"

    @property
    def application_stack_name(self) -> str:
        return f"{self.project}-{self.name}-application"

    @property
    def verify_role_name(self) -> str:
        """The end-to-end check's role; named, so a pipeline in another account can assume it."""
        return f"{self.project}-{self.name}-verify"

    def export_name(self, output_key: str) -> str:
        return f"{self.infrastructure_stack_name}-{output_key}"

    @property
    def retains_data(self) -> bool:
        return self.removal_policy == "retain"

    @property
    def tag_values(self) -> dict[str, str]:
        return self.tags.for_environment(self.name)


def load_config(name_or_path: str | Path, *, allow_placeholders: bool = False) -> GluelineConfig:
    """Load and validate `config/<name>.yaml` (or an explicit path).

    With `allow_placeholders`, every `<...>` value is replaced by a stand-in that passes
    validation but can never be mistaken for a real account (see `_stand_in`).
    """
    path = _resolve_path(name_or_path)
    source = _display_path(path)
    if not path.is_file():
        raise ConfigError(f"{source}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")

    placeholders = dict(_find_placeholders(raw))
    if placeholders and not allow_placeholders:
        key, value = next(iter(placeholders.items()))
        others = sorted(set(placeholders) - {key})
        more = f" (also: {', '.join(others)})" if others else ""
        raise ConfigError(
            f"{source}: {key} is a placeholder ({value!r}); put the real value in {source}, "
            f"or pass `-c allow_placeholders=true` to synthesize without deploying{more}"
        )
    for stand_in_number, key in enumerate(placeholders, start=1):
        _set_path(raw, key, _stand_in(key, stand_in_number))

    try:
        return GluelineConfig.model_validate({**raw, "source": source})
    except ValidationError as error:
        raise ConfigError(_describe(source, error)) from error


def _resolve_path(name_or_path: str | Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in {".yaml", ".yml"}:
        return candidate.resolve()
    return CONFIG_DIR / f"{name_or_path}.yaml"


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _find_placeholders(node: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _find_placeholders(value, f"{prefix}{key}.")
    elif isinstance(node, str) and PLACEHOLDER_PATTERN.search(node):
        yield prefix.rstrip("."), node


def _set_path(raw: dict[str, Any], dotted_key: str, value: str) -> None:
    *parents, leaf = dotted_key.split(".")
    node = raw
    for parent in parents:
        node = node[parent]
    node[leaf] = value


def _stand_in(dotted_key: str, number: int) -> str:
    """A valid-looking value per field kind; accounts are numbered so stages stay distinct."""
    leaf = dotted_key.rsplit(".", 1)[-1]
    account = f"{number:012d}"
    stand_ins = {
        "account": account,
        "connection_arn": f"arn:aws:codeconnections:us-east-1:{account}:connection/placeholder",
        "repository": "placeholder-owner/placeholder-repository",
    }
    return stand_ins.get(leaf, "placeholder")


def _describe(source: str, error: ValidationError) -> str:
    problems = []
    for issue in error.errors():
        key = ".".join(str(part) for part in issue["loc"])
        if issue["type"] == "missing":
            problems.append(f"{source}: {key} is missing")
        elif issue["type"] == "extra_forbidden":
            problems.append(f"{source}: {key} is not a known setting")
        else:
            problems.append(f"{source}: {key} is invalid ({issue['msg']}): {issue.get('input')!r}")
    return "; ".join(problems)


def _fields(model: BaseModel) -> dict[str, Any]:
    return {name: getattr(model, name) for name in type(model).model_fields}
