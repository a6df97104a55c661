"""A small CDK app exercising what the local cloud must do for CDK deployments.

Two stacks: the first has a bucket that CDK empties on delete, files deployed into it by
``BucketDeployment`` (a custom resource whose function runs the AWS CLI from a layer at
``/opt``), a Lambda-backed custom resource whose returned data becomes an output, and an
export; the second imports it.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_ssm as ssm

GREETER_SOURCE = """
import json
import urllib.request


def handler(event, context):
    name = event["ResourceProperties"]["Name"]
    data = {"Greeting": f"hello {name} ({event['RequestType']})"}
    body = json.dumps({
        "Status": "SUCCESS",
        "PhysicalResourceId": f"greeting-{name}",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": data,
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT")
    urllib.request.urlopen(request).read()
"""

ENVIRONMENT = cdk.Environment(account="000000000000", region="us-east-1")

app = cdk.App()
exporter = cdk.Stack(app, "glueline-test-exporter", env=ENVIRONMENT)
bucket = s3.Bucket(
    exporter,
    "Scratch",
    bucket_name="glueline-test-scratch",
    removal_policy=cdk.RemovalPolicy.DESTROY,
    auto_delete_objects=True,
    enforce_ssl=True,
)
s3_deployment.BucketDeployment(
    exporter,
    "Site",
    sources=[s3_deployment.Source.asset(str(Path(__file__).with_name("site")))],
    destination_bucket=bucket,
    destination_key_prefix="site/",
)
greeter = lambda_.Function(
    exporter,
    "Greeter",
    runtime=lambda_.Runtime.PYTHON_3_11,
    handler="index.handler",
    code=lambda_.Code.from_inline(GREETER_SOURCE),
)
greeting = cdk.CustomResource(
    exporter,
    "Greeting",
    service_token=greeter.function_arn,
    properties={"Name": app.node.try_get_context("greeting_name") or "glueline"},
)
cdk.CfnOutput(exporter, "GreetingText", value=greeting.get_att_string("Greeting"))
cdk.CfnOutput(exporter, "ScratchBucket", value=bucket.bucket_name, export_name="scratch-bucket")

importer = cdk.Stack(app, "glueline-test-importer", env=ENVIRONMENT)
parameter = ssm.StringParameter(
    importer,
    "Imported",
    parameter_name="/glueline-test/imported-bucket",
    string_value=cdk.Fn.import_value("scratch-bucket"),
)
cdk.CfnOutput(importer, "ImportedBucket", value=parameter.string_value)
importer.add_stack_dependency(exporter)

app.synth()
