"""One stage's two stacks, wrapped for the pipeline or added straight to the app.

Infrastructure and application are separate CloudFormation stacks, each in its own CDK
Stage in the pipeline, so a change to a job script redeploys only the application stack and
a bucket change only the infrastructure stack (the aws-glue-cdk-baseline split).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Environment, Stage
from aws_cdk import aws_iam as iam
from constructs import Construct

from stack.application_stack import GLUE_JOBS_DIR, ApplicationStack
from stack.config import StageSettings
from stack.infrastructure_stack import InfrastructureStack


def environment_of(settings: StageSettings) -> Environment:
    return Environment(account=settings.account, region=settings.region)


def add_infrastructure_stack(
    scope: Construct, settings: StageSettings, verifier: iam.IPrincipal | None = None
) -> InfrastructureStack:
    return InfrastructureStack(
        scope,
        "Infrastructure",
        settings=settings,
        verifier=verifier,
        stack_name=settings.infrastructure_stack_name,
        env=environment_of(settings),
    )


def add_application_stack(
    scope: Construct, settings: StageSettings, glue_jobs_dir: Path = GLUE_JOBS_DIR
) -> ApplicationStack:
    return ApplicationStack(
        scope,
        "Application",
        settings=settings,
        glue_jobs_dir=glue_jobs_dir,
        stack_name=settings.application_stack_name,
        env=environment_of(settings),
    )


def add_direct_stacks(
    scope: Construct, settings: StageSettings, glue_jobs_dir: Path = GLUE_JOBS_DIR
) -> tuple[InfrastructureStack, ApplicationStack]:
    """Both stacks straight in the app, for `cdk deploy` against the local cloud.

    Construct ids carry the stage name so several direct stages can share one app; the
    stack names are the contract (`glueline-local-infrastructure`).
    """
    infrastructure = InfrastructureStack(
        scope,
        settings.infrastructure_stack_name,
        settings=settings,
        env=environment_of(settings),
    )
    application = ApplicationStack(
        scope,
        settings.application_stack_name,
        settings=settings,
        glue_jobs_dir=glue_jobs_dir,
        env=environment_of(settings),
    )
    # The application imports the infrastructure's exports by name, which CDK cannot see.
    application.add_stack_dependency(infrastructure)
    return infrastructure, application


class InfrastructureStage(Stage):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        verifier: iam.IPrincipal | None = None,
    ) -> None:
        """``verifier`` may assume the stage's verify role (default: the stage's account)."""
        super().__init__(scope, construct_id, env=environment_of(settings))
        self.stack = add_infrastructure_stack(self, settings, verifier)


class ApplicationStage(Stage):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        glue_jobs_dir: Path = GLUE_JOBS_DIR,
    ) -> None:
        super().__init__(scope, construct_id, env=environment_of(settings))
        self.stack = add_application_stack(self, settings, glue_jobs_dir)
