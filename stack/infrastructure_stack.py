"""Storage, catalog, trigger and alerting for one stage: everything the Glue jobs run on.

This stack never references the application stack: the file processor job's name is
derived from config, so the trigger's permission and the failure rule can name the job
before it exists, and each stack deploys on its own.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import (
    ArnFormat,
    Aws,
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
    Tags,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as lambda_destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3_notifications
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from stack.bundling import python_function_code
from stack.config import REPO_ROOT, StageSettings
from stack.nag import acknowledge, acknowledge_managed_policy, acknowledge_wildcard_resource

TRIGGER_SOURCE_DIR = REPO_ROOT / "lambdas" / "trigger"
TRIGGER_PACKAGE = "lambdas.trigger"
TRIGGER_REQUIREMENTS = ("aws-lambda-powertools==3.37.0",)
CSV_SUFFIXES = (".csv", ".CSV")
INPUT_EXPIRATION = Duration.days(30)
OUTPUT_EXPIRATION = Duration.days(90)
ACCESS_LOG_EXPIRATION = Duration.days(90)
#: Glue's --TempDir scratch space: what a run that died before publishing left behind.
JOB_TEMP_PREFIX = "temp/"
JOB_TEMP_EXPIRATION = Duration.days(7)
FAILED_GLUE_STATES = ["FAILED", "TIMEOUT", "ERROR"]
BUCKET_NOTIFICATIONS_HANDLER_ID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
#: Folders of the end-to-end check (`glueline e2e`): the input folder, the dataset and the
#: catalog table all start with it, and the verify role may write nowhere else.
CHECK_PREFIX = "glueline_e2e_"
#: Where the file processor copies rows that do not parse, per dataset.
REJECTED_PREFIX = "_rejected"
#: Where the file processor stages a run's files per dataset, under the jobs' --TempDir
#: (the assets bucket's temp/); a run that dies before publishing leaves them there.
STAGING_PREFIX = "temp/file-processor-staging"


class InfrastructureStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        trigger_source_dir: Path = TRIGGER_SOURCE_DIR,
        verifier: iam.IPrincipal | None = None,
        **kwargs: object,
    ) -> None:
        """``verifier`` may assume the verify role; by default, the stage's own account."""
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        removal_policy = RemovalPolicy.RETAIN if settings.retains_data else RemovalPolicy.DESTROY

        self.access_logs_bucket = self._bucket(
            "AccessLogsBucket",
            settings.access_logs_bucket_name,
            expiration=ACCESS_LOG_EXPIRATION,
            versioned=False,
            access_logs=None,
            removal_policy=removal_policy,
        )
        self.input_bucket = self._bucket(
            "InputBucket",
            settings.input_bucket_name,
            expiration=INPUT_EXPIRATION,
            versioned=True,
            access_logs=self.access_logs_bucket,
            removal_policy=removal_policy,
        )
        self.output_bucket = self._bucket(
            "OutputBucket",
            settings.output_bucket_name,
            expiration=OUTPUT_EXPIRATION,
            versioned=True,
            access_logs=self.access_logs_bucket,
            removal_policy=removal_policy,
        )
        self.assets_bucket = self._bucket(
            "AssetsBucket",
            settings.assets_bucket_name,
            expiration=None,
            versioned=False,
            access_logs=self.access_logs_bucket,
            removal_policy=removal_policy,
        )
        self.assets_bucket.add_lifecycle_rule(
            id="expire-job-temp-files", prefix=JOB_TEMP_PREFIX, expiration=JOB_TEMP_EXPIRATION
        )
        acknowledge(
            self.access_logs_bucket,
            "AwsSolutions-S1",
            "This is the server access log target; logging it into itself would loop.",
        )

        self.database = glue.CfnDatabase(
            self,
            "GlueDatabase",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=settings.glue_database,
                description=f"Tables written by the {settings.project} {settings.name} jobs",
            ),
        )
        self.database.apply_removal_policy(removal_policy)

        self.glue_role = self._glue_role()
        self.alerts_topic = self._alerts_topic(removal_policy)
        self.trigger_function = self._trigger_function(trigger_source_dir, removal_policy)
        self._alarms()
        self.verify_role = self._verify_role(verifier or iam.AccountRootPrincipal())

        self.outputs = {
            key: self._output(key, value, description)
            for key, value, description in [
                ("InputBucketName", self.input_bucket.bucket_name, "CSV drop zone"),
                ("OutputBucketName", self.output_bucket.bucket_name, "Parquet output"),
                ("AssetsBucketName", self.assets_bucket.bucket_name, "Glue temp files"),
                ("GlueDatabaseName", settings.glue_database, "Catalog database of the jobs"),
                ("GlueRoleArn", self.glue_role.role_arn, "Role the Glue jobs run as"),
                ("TriggerFunctionName", self.trigger_function.function_name, "S3 -> Glue"),
                ("AlertsTopicArn", self.alerts_topic.topic_arn, "Failure notifications"),
                ("VerifyRoleArn", self.verify_role.role_arn, "Role of the end-to-end check"),
            ]
        }
        for key, value in settings.tag_values.items():
            Tags.of(self).add(key, value)

    def _bucket(
        self,
        construct_id: str,
        bucket_name: str,
        *,
        expiration: Duration | None,
        versioned: bool,
        access_logs: s3.IBucket | None,
        removal_policy: RemovalPolicy,
    ) -> s3.Bucket:
        lifecycle_rules = [
            s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(7))
        ]
        if expiration is not None:
            lifecycle_rules.append(
                s3.LifecycleRule(
                    id="expire-objects",
                    expiration=expiration,
                    noncurrent_version_expiration=expiration if versioned else None,
                )
            )
        return s3.Bucket(
            self,
            construct_id,
            bucket_name=bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=versioned,
            lifecycle_rules=lifecycle_rules,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{bucket_name}/" if access_logs else None,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal_policy,
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )

    def _glue_role(self) -> iam.Role:
        """Reads input, writes output and temp files, and owns only its database's tables."""
        settings = self.settings
        role = iam.Role(
            self,
            "GlueJobRole",
            assumed_by=iam.ServicePrincipal("glue.amazonaws.com"),
            description=f"Runs the {settings.project} {settings.name} Glue jobs",
        )
        database_arn = self.format_arn(
            service="glue", resource="database", resource_name=settings.glue_database
        )
        tables_arn = self.format_arn(
            service="glue", resource="table", resource_name=f"{settings.glue_database}/*"
        )
        catalog_arn = self.format_arn(service="glue", resource="catalog")
        logs_arn = self.format_arn(
            service="logs",
            resource="log-group",
            resource_name="/aws-glue/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        statements = [
            iam.PolicyStatement(
                sid="ListJobBuckets",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[
                    self.input_bucket.bucket_arn,
                    self.output_bucket.bucket_arn,
                    self.assets_bucket.bucket_arn,
                ],
            ),
            iam.PolicyStatement(
                sid="ReadInput",
                actions=["s3:GetObject"],
                resources=[self.input_bucket.arn_for_objects("*")],
            ),
            iam.PolicyStatement(
                sid="WriteOutputAndTemp",
                actions=[
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                resources=[
                    self.output_bucket.arn_for_objects("*"),
                    # Hadoop's S3 clients look for the folder itself ("temp") before writing
                    # under it; without this they fail with Access Denied.
                    self.assets_bucket.arn_for_objects("temp"),
                    self.assets_bucket.arn_for_objects("temp/*"),
                ],
            ),
            iam.PolicyStatement(
                sid="OwnDatabaseTables",
                actions=[
                    "glue:GetDatabase",
                    "glue:GetTable",
                    "glue:GetTables",
                    "glue:CreateTable",
                    "glue:UpdateTable",
                    "glue:GetPartition",
                    "glue:GetPartitions",
                    "glue:BatchGetPartition",
                    "glue:CreatePartition",
                    "glue:BatchCreatePartition",
                    "glue:UpdatePartition",
                ],
                resources=[catalog_arn, database_arn, tables_arn],
            ),
            iam.PolicyStatement(
                sid="JobLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[logs_arn],
            ),
        ]
        policy = iam.Policy(self, "GlueJobPolicy", statements=statements, roles=[role])
        for resource, reason in [
            (
                self.input_bucket.arn_for_objects("*"),
                "Read-only on objects of the one input bucket; object keys are user data.",
            ),
            (
                self.output_bucket.arn_for_objects("*"),
                "Jobs write Parquet under dataset prefixes chosen at run time, in one bucket.",
            ),
            (
                self.assets_bucket.arn_for_objects("temp/*"),
                "Glue's --TempDir scratch space, one prefix of the stage's assets bucket.",
            ),
            (
                tables_arn,
                "Tables are created per dataset at run time, only inside the stage's database.",
            ),
            (logs_arn, "Glue writes to its fixed /aws-glue/ log groups, named by the service."),
        ]:
            acknowledge_wildcard_resource(policy, resource, reason)
        return role

    def _verify_role(self, verifier: iam.IPrincipal) -> iam.Role:
        """The identity of the end-to-end check (`glueline e2e --target aws`), and no more.

        It reads the outputs of the stage's two stacks, puts the sample under a check folder
        of the input bucket, follows the file processor's runs (stopping the check's own run
        if the check gives up on it), reads what the run wrote for the check's dataset, and
        deletes all of that again, every version and delete marker included, with whatever
        a failed run left in its staging area. It cannot start
        a job: the check proves that the trigger does. The buckets are encrypted with
        S3-managed keys, so it needs no KMS grant; TLS is the client's default.
        """
        settings = self.settings
        role = iam.Role(
            self,
            "VerifyRole",
            role_name=settings.verify_role_name,
            assumed_by=verifier,
            description=f"Runs the end-to-end check of {settings.project} {settings.name}",
        )
        stack_arns = [
            self.format_arn(service="cloudformation", resource="stack", resource_name=f"{name}/*")
            for name in (settings.infrastructure_stack_name, settings.application_stack_name)
        ]
        check_input = self.input_bucket.arn_for_objects(f"{CHECK_PREFIX}*")
        check_output = self.output_bucket.arn_for_objects(f"{CHECK_PREFIX}*")
        check_rejected = self.output_bucket.arn_for_objects(f"{REJECTED_PREFIX}/{CHECK_PREFIX}*")
        check_staging = self.assets_bucket.arn_for_objects(f"{STAGING_PREFIX}/{CHECK_PREFIX}*")
        check_tables = self.format_arn(
            service="glue",
            resource="table",
            resource_name=f"{settings.glue_database}/{CHECK_PREFIX}*",
        )
        statements = [
            iam.PolicyStatement(
                sid="ReadStageOutputs",
                actions=["cloudformation:DescribeStacks"],
                resources=stack_arns,
            ),
            iam.PolicyStatement(
                sid="ListCheckFolders",
                actions=["s3:ListBucket", "s3:ListBucketVersions"],
                resources=[
                    self.input_bucket.bucket_arn,
                    self.output_bucket.bucket_arn,
                    self.assets_bucket.bucket_arn,
                ],
                conditions={
                    "StringLike": {
                        "s3:prefix": [
                            f"{CHECK_PREFIX}*",
                            f"{REJECTED_PREFIX}/{CHECK_PREFIX}*",
                            f"{STAGING_PREFIX}/{CHECK_PREFIX}*",
                        ]
                    }
                },
            ),
            iam.PolicyStatement(
                sid="WriteAndRemoveCheckInput",
                actions=[
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                ],
                resources=[check_input],
            ),
            iam.PolicyStatement(
                sid="ReadAndRemoveCheckOutput",
                actions=["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[check_output, check_rejected],
            ),
            iam.PolicyStatement(
                sid="RemoveCheckStaging",
                actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
                resources=[check_staging],
            ),
            iam.PolicyStatement(
                sid="FollowFileProcessorRuns",
                actions=[
                    "glue:GetJob",
                    "glue:GetJobRun",
                    "glue:GetJobRuns",
                    "glue:BatchStopJobRun",
                ],
                resources=[
                    self.format_arn(
                        service="glue",
                        resource="job",
                        resource_name=settings.file_processor_job_name,
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="ReadAndRemoveCheckTables",
                actions=["glue:GetTable", "glue:GetPartitions", "glue:DeleteTable"],
                resources=[
                    self.format_arn(service="glue", resource="catalog"),
                    self.format_arn(
                        service="glue", resource="database", resource_name=settings.glue_database
                    ),
                    check_tables,
                ],
            ),
        ]
        policy = iam.Policy(self, "VerifyPolicy", statements=statements, roles=[role])
        for resource, reason in [
            *(
                (
                    arn,
                    "CloudFormation appends a generated id to a stack's ARN; the stack name "
                    "before it is fixed.",
                )
                for arn in stack_arns
            ),
            (check_input, "Only the check's own folders of the input bucket, by their prefix."),
            (check_output, "Only the check's datasets in the output bucket, by their prefix."),
            (check_rejected, "Only the rejected rows of the check's datasets, by their prefix."),
            (check_staging, "Only the staged files of the check's datasets, by their prefix."),
            (check_tables, "Only the check's catalog tables in the stage's database, by prefix."),
        ]:
            acknowledge_wildcard_resource(policy, resource, reason)
        return role

    def _alerts_topic(self, removal_policy: RemovalPolicy) -> sns.Topic:
        """A customer managed key, because EventBridge and CloudWatch cannot use aws/sns."""
        key = kms.Key(
            self,
            "AlertsKey",
            description="Encrypts the glueline alerts topic",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com"):
            key.grant(iam.ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*")
        return sns.Topic(
            self,
            "AlertsTopic",
            display_name=f"{self.settings.project} {self.settings.name} alerts",
            master_key=key,
            enforce_ssl=True,
        )

    def _trigger_function(
        self, source_dir: Path, removal_policy: RemovalPolicy
    ) -> lambda_.Function:
        settings = self.settings
        failures = sqs.Queue(
            self,
            "TriggerFailures",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=removal_policy,
        )
        acknowledge(
            failures,
            "AwsSolutions-SQS3",
            "This queue is the trigger's on-failure destination, the end of the line.",
        )
        log_group = logs.LogGroup(
            self,
            "TriggerLogs",
            retention=logs.RetentionDays.TWO_WEEKS,
            removal_policy=removal_policy,
        )
        role = iam.Role(
            self,
            "TriggerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Starts the file processor job for new CSV objects",
        )
        log_group.grant_write(role)
        role.add_to_policy(
            iam.PolicyStatement(
                sid="StartFileProcessor",
                actions=["glue:StartJobRun"],
                resources=[
                    self.format_arn(
                        service="glue",
                        resource="job",
                        resource_name=settings.file_processor_job_name,
                    )
                ],
            )
        )
        function = lambda_.Function(
            self,
            "TriggerFunction",
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler="lambdas.trigger.handler.handler",
            code=python_function_code(source_dir, TRIGGER_PACKAGE, TRIGGER_REQUIREMENTS),
            timeout=Duration.seconds(30),
            memory_size=256,
            role=role,
            log_group=log_group,
            environment={
                "GLUE_JOB_NAME": settings.file_processor_job_name,
                "OUTPUT_BUCKET": self.output_bucket.bucket_name,
                "GLUE_DATABASE": settings.glue_database,
                "POWERTOOLS_SERVICE_NAME": f"{settings.project}-trigger",
                "POWERTOOLS_LOG_LEVEL": settings.log_level,
            },
            retry_attempts=2,
            on_failure=lambda_destinations.SqsDestination(failures),
        )
        acknowledge(
            function,
            "AwsSolutions-L1",
            "Pinned to Python 3.11, the version Glue 5.1 and the local kit run.",
        )
        for suffix in CSV_SUFFIXES:
            self.input_bucket.add_event_notification(
                s3.EventType.OBJECT_CREATED,
                s3_notifications.LambdaDestination(function),
                s3.NotificationKeyFilter(suffix=suffix),
            )
        notifications_handler = self.node.find_child(BUCKET_NOTIFICATIONS_HANDLER_ID)
        acknowledge_managed_policy(
            notifications_handler.node.find_child("Role"),
            "service-role/AWSLambdaBasicExecutionRole",
            "CDK's own bucket-notification handler; its role is created by aws-cdk-lib and "
            "only writes its own logs with this policy.",
        )
        return function

    def _alarms(self) -> None:
        settings = self.settings
        errors = cloudwatch.Alarm(
            self,
            "TriggerErrorsAlarm",
            alarm_description="The trigger function failed; see the on-failure queue for the keys",
            metric=self.trigger_function.metric_errors(period=Duration.minutes(5)),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        errors.add_alarm_action(cloudwatch_actions.SnsAction(self.alerts_topic))
        events.Rule(
            self,
            "GlueJobFailedRule",
            description="A glueline Glue job run failed, timed out or errored",
            event_pattern=events.EventPattern(
                source=["aws.glue"],
                detail_type=["Glue Job State Change"],
                detail={
                    "state": FAILED_GLUE_STATES,
                    "jobName": [settings.file_processor_job_name, settings.legislators_job_name],
                },
            ),
            targets=[events_targets.SnsTopic(self.alerts_topic)],
        )

    def _output(self, key: str, value: str, description: str) -> CfnOutput:
        output = CfnOutput(
            self,
            key,
            value=value,
            description=description,
            export_name=self.settings.export_name(key),
        )
        output.override_logical_id(key)
        return output
