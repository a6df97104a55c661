"""The Glue jobs of one stage, deployable without touching the infrastructure stack.

Buckets, database and role come in through CloudFormation imports of the infrastructure
stack's exports, not CDK references: CDK would otherwise add its own exports and a deploy
dependency, and a job-only change would redeploy the buckets' stack.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Fn, Stack, Tags
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from stack.config import REPO_ROOT, StageSettings
from stack.nag import acknowledge

GLUE_JOBS_DIR = REPO_ROOT / "glue_jobs"
GLUE_VERSION = "5.1"
WORKER_TYPE = "G.1X"
NUMBER_OF_WORKERS = 2
FILE_PROCESSOR_MAX_CONCURRENT_RUNS = 3
JOB_TIMEOUT_MINUTES = 60

_NO_SECURITY_CONFIGURATION_REASONS = {
    "AwsSolutions-GL1": (
        "Driver logs hold run metadata, not data; CloudWatch Logs encrypts them at rest with "
        "its service key, and a KMS-encrypted log group would add a key per stage to the "
        "local cloud for no protection the service key does not already give."
    ),
    "AwsSolutions-GL3": "Job bookmarks are not enabled, so there is nothing to encrypt.",
}


class ApplicationStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        glue_jobs_dir: Path = GLUE_JOBS_DIR,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings

        input_bucket = self._import("InputBucketName")
        output_bucket = self._import("OutputBucketName")
        assets_bucket = self._import("AssetsBucketName")
        database_name = self._import("GlueDatabaseName")
        role = iam.Role.from_role_arn(self, "GlueJobRole", self._import("GlueRoleArn"))
        common_arguments = {
            "--job-language": "python",
            "--enable-glue-datacatalog": "true",
            "--TempDir": f"s3://{assets_bucket}/temp/",
            "--database_name": database_name,
        }

        self.file_processor_job = self._job(
            "FileProcessorJob",
            job_name=settings.file_processor_job_name,
            script=glue_jobs_dir / "file_processor.py",
            role=role,
            max_concurrent_runs=FILE_PROCESSOR_MAX_CONCURRENT_RUNS,
            queue_runs_over_limit=True,
            default_arguments={
                **common_arguments,
                "--output_bucket": output_bucket,
                "--bad_records": "fail",
            },
            description="Turns one CSV object into Parquet and catalogs its schema",
        )
        self.legislators_job = self._job(
            "LegislatorsJob",
            job_name=settings.legislators_job_name,
            script=glue_jobs_dir / "legislators.py",
            role=role,
            max_concurrent_runs=1,
            queue_runs_over_limit=False,
            default_arguments={
                **common_arguments,
                "--input_location": f"s3://{input_bucket}/us-legislators/",
                "--output_location": f"s3://{output_bucket}/legislators/",
                "--table_name": "legislators",
                # A run without a new persons.json since the last success rewrites nothing.
                "--job-bookmark-option": "job-bookmark-enable",
            },
            description="Batch: us-legislators JSON to Parquet",
        )

        # The names themselves, not Ref: the same value in AWS, and still right where a local
        # CloudFormation (LocalStack) skips the Glue resources and glueline creates them.
        self.outputs: dict[str, CfnOutput] = {}
        for key, job in [
            ("FileProcessorJobName", self.file_processor_job),
            ("LegislatorsJobName", self.legislators_job),
        ]:
            output = CfnOutput(self, key, value=job.name, export_name=f"{self.stack_name}-{key}")
            output.override_logical_id(key)
            self.outputs[key] = output
        for key, value in settings.tag_values.items():
            Tags.of(self).add(key, value)

    def _import(self, output_key: str) -> str:
        return Fn.import_value(self.settings.export_name(output_key))

    def _job(
        self,
        construct_id: str,
        *,
        job_name: str,
        script: Path,
        role: iam.IRole,
        max_concurrent_runs: int,
        queue_runs_over_limit: bool,
        default_arguments: dict[str, str],
        description: str,
    ) -> glue.CfnJob:
        script_asset = s3_assets.Asset(self, f"{construct_id}Script", path=str(script))
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[script_asset.bucket.arn_for_objects(script_asset.s3_object_key)],
            )
        )
        job = glue.CfnJob(
            self,
            construct_id,
            name=job_name,
            description=description,
            role=role.role_arn,
            command=glue.CfnJob.JobCommandProperty(
                name="glueetl",
                python_version="3",
                script_location=script_asset.s3_object_url,
            ),
            glue_version=GLUE_VERSION,
            worker_type=WORKER_TYPE,
            number_of_workers=NUMBER_OF_WORKERS,
            timeout=JOB_TIMEOUT_MINUTES,
            execution_property=glue.CfnJob.ExecutionPropertyProperty(
                max_concurrent_runs=max_concurrent_runs
            ),
            job_run_queuing_enabled=queue_runs_over_limit,
            default_arguments=default_arguments,
        )
        for rule_id, reason in _NO_SECURITY_CONFIGURATION_REASONS.items():
            acknowledge(job, rule_id, reason)
        return job
