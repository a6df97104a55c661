"""CDK entry point: `python -m stack.app`, config chosen with `-c config=<name>` (default local).

`-c allow_placeholders=true` lets a config with `<...>` placeholders synthesize (see
`stack.config.load_config`); without it such a config stops here, before any deploy.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Environment

from stack.application_stack import GLUE_JOBS_DIR
from stack.config import ConfigError, GluelineConfig, load_config
from stack.pipeline_stack import PipelineStack
from stack.stages import add_direct_stacks

DEFAULT_CONFIG = "local"


def context_flag(app: App, key: str) -> bool:
    """Context from `-c key=value` arrives as a string, from cdk.json as JSON."""
    value = app.node.try_get_context(key)
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def config_for(app: App) -> GluelineConfig:
    return load_config(
        app.node.try_get_context("config") or DEFAULT_CONFIG,
        allow_placeholders=context_flag(app, "allow_placeholders"),
    )


def build(app: App, config: GluelineConfig, glue_jobs_dir: Path = GLUE_JOBS_DIR) -> None:
    if config.delivery == "direct":
        for stage_name in config.stages:
            add_direct_stacks(app, config.stage(stage_name), glue_jobs_dir)
        return
    pipeline = config.require_pipeline()
    PipelineStack(
        app,
        f"{config.project}-pipeline",
        config=config,
        glue_jobs_dir=glue_jobs_dir,
        env=Environment(account=pipeline.account, region=pipeline.region),
    )


def main() -> None:
    app = App()
    try:
        config = config_for(app)
    except ConfigError as error:
        raise SystemExit(f"glueline: {error}") from None
    build(app, config)
    app.synth()


if __name__ == "__main__":
    main()
