"""Resources as AWS creates them from templates, where moto alone differs.

- ``AWS::KMS::Key``'s ``KeyPolicy`` is a JSON object; the key answers ``DescribeKey`` and
  returns the policy (AWS::KMS::Key, CloudFormation User Guide).
- ``Ref`` of an ``AWS::Lambda::LayerVersion`` is its ARN, and a function's layers are
  importable (AWS::Lambda::LayerVersion, "Return values").
- ``AWS::IAM::Role`` ``ManagedPolicyArns`` are attached, AWS managed policies included.
- A failed create rolls back everything it created (ROLLBACK_COMPLETE).
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest

pytestmark = pytest.mark.integration

MANAGED = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def zipped(files: dict[str, str]) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zip_file:
        for name, text in files.items():
            zip_file.writestr(name, text)
    return archive.getvalue()


def template(bucket: str, suffix: str, extra: dict | None = None) -> str:
    resources = {
        "Key": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                }
            },
        },
        "Layer": {
            "Type": "AWS::Lambda::LayerVersion",
            "Properties": {
                "LayerName": f"helpers-{suffix}",
                "Content": {"S3Bucket": bucket, "S3Key": "layer.zip"},
                "CompatibleRuntimes": ["python3.11"],
            },
        },
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": f"function-role-{suffix}",
                "AssumeRolePolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ]
                },
                "ManagedPolicyArns": [MANAGED],
            },
        },
        "Function": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": f"uses-a-layer-{suffix}",
                "Runtime": "python3.11",
                "Handler": "main.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": bucket, "S3Key": "function.zip"},
                "Layers": [{"Ref": "Layer"}],
            },
        },
        **(extra or {}),
    }
    return json.dumps(
        {
            "Resources": resources,
            "Outputs": {
                "KeyId": {"Value": {"Ref": "Key"}},
                "LayerArn": {"Value": {"Ref": "Layer"}},
            },
        }
    )


@pytest.fixture(scope="module")
def code_bucket(aws) -> str:
    bucket = f"cfn-resources-{uuid.uuid4().hex[:8]}"
    s3 = aws("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(
        Bucket=bucket, Key="layer.zip", Body=zipped({"python/helper.py": "ANSWER = 42\n"})
    )
    s3.put_object(
        Bucket=bucket,
        Key="function.zip",
        Body=zipped(
            {"main.py": "import helper\n\ndef handler(event, context):\n    return helper.ANSWER\n"}
        ),
    )
    return bucket


def test_keys_layers_and_managed_policies_come_out_as_in_aws(aws, code_bucket) -> None:
    suffix = uuid.uuid4().hex[:8]
    cloudformation = aws("cloudformation")
    cloudformation.create_stack(
        StackName=f"resources-{suffix}", TemplateBody=template(code_bucket, suffix)
    )
    stack = cloudformation.describe_stacks(StackName=f"resources-{suffix}")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}

    key = aws("kms").describe_key(KeyId=outputs["KeyId"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    policy = json.loads(
        aws("kms").get_key_policy(KeyId=outputs["KeyId"], PolicyName="default")["Policy"]
    )
    assert policy["Statement"][0]["Action"] == "kms:*"

    assert outputs["LayerArn"].startswith(
        f"arn:aws:lambda:us-east-1:000000000000:layer:helpers-{suffix}:"
    )
    answer = aws("lambda").invoke(FunctionName=f"uses-a-layer-{suffix}")
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == 42

    attached = aws("iam").list_attached_role_policies(RoleName=f"function-role-{suffix}")
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [MANAGED]

    cloudformation.delete_stack(StackName=f"resources-{suffix}")
    assert aws("lambda").list_layer_versions(LayerName=f"helpers-{suffix}")["LayerVersions"] == []


def test_a_failed_create_leaves_nothing_behind(aws, code_bucket) -> None:
    suffix = uuid.uuid4().hex[:8]
    cloudformation = aws("cloudformation")
    keys_before = {k["KeyId"] for k in aws("kms").list_keys()["Keys"]}
    cloudformation.create_stack(
        StackName=f"rolled-back-{suffix}",
        TemplateBody=template(
            code_bucket,
            suffix,
            extra={
                "Last": {"Type": "AWS::Bogus::Thing", "DependsOn": "Function", "Properties": {}}
            },
        ),
    )
    stack = cloudformation.describe_stacks(StackName=f"rolled-back-{suffix}")["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "AWS::Bogus::Thing" in stack["StackStatusReason"]

    lambda_client = aws("lambda")
    assert lambda_client.list_layer_versions(LayerName=f"helpers-{suffix}")["LayerVersions"] == []
    names = [f["FunctionName"] for f in lambda_client.list_functions()["Functions"]]
    assert f"uses-a-layer-{suffix}" not in names
    roles = [r["RoleName"] for r in aws("iam").list_roles()["Roles"]]
    assert f"function-role-{suffix}" not in roles
    kms = aws("kms")
    new_keys = {k["KeyId"] for k in kms.list_keys()["Keys"]} - keys_before
    states = {kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] for key in new_keys}
    assert states <= {"PendingDeletion"}, "AWS schedules the rolled-back key for deletion"


def test_every_unsupported_type_is_reported_at_once(aws) -> None:
    """AWS validates every resource type before it creates anything; so does the local
    cloud, and a type it accepts but cannot make behave (Step Functions) counts too."""
    cloudformation = aws("cloudformation")
    name = f"unsupported-{uuid.uuid4().hex[:8]}"
    body = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": name}},
            "One": {"Type": "AWS::Bogus::Thing", "Properties": {}},
            "Two": {"Type": "AWS::Bogus::Other", "Properties": {}},
            "Three": {"Type": "AWS::Bogus::Other", "Properties": {}},
            "Machine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": "{}",
                    "RoleArn": "arn:aws:iam::000000000000:role/x",
                },
            },
        }
    }
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(body))

    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert stack["StackStatusReason"].startswith(
        "Resource types not supported by the glueline local cloud: AWS::Bogus::Thing (One); "
        "AWS::Bogus::Other (Two, Three); AWS::StepFunctions::StateMachine (Machine). "
        "Step Functions executions do not run"
    )
    failed = {
        event["LogicalResourceId"]
        for event in cloudformation.describe_stack_events(StackName=name)["StackEvents"]
        if event["ResourceStatus"] == "CREATE_FAILED" and event["LogicalResourceId"] != name
    }
    assert failed == {"One", "Two", "Three", "Machine"}
    assert aws("sqs").list_queues(QueueNamePrefix=name).get("QueueUrls", []) == []


def test_each_resource_reports_its_progress_and_skipped_ones_are_not_listed(aws) -> None:
    """DescribeStackEvents has CREATE_IN_PROGRESS and CREATE_COMPLETE per resource (the CDK
    CLI's progress); a resource whose Condition is false is neither created nor listed."""
    cloudformation = aws("cloudformation")
    name = f"progress-{uuid.uuid4().hex[:8]}"
    body = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "First": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-1"}},
            "Second": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": f"{name}-2"}},
            "Skipped": {
                "Type": "AWS::SQS::Queue",
                "Condition": "Never",
                "Properties": {"QueueName": f"{name}-3"},
            },
        },
    }
    cloudformation.create_stack(StackName=name, TemplateBody=json.dumps(body))

    events = cloudformation.describe_stack_events(StackName=name)["StackEvents"]
    progress = {
        (event["LogicalResourceId"], event["ResourceStatus"]): event.get("PhysicalResourceId")
        for event in events
        if event["LogicalResourceId"] != name
    }
    assert set(progress) == {
        ("First", "CREATE_IN_PROGRESS"),
        ("First", "CREATE_COMPLETE"),
        ("Second", "CREATE_IN_PROGRESS"),
        ("Second", "CREATE_COMPLETE"),
    }
    assert progress[("First", "CREATE_COMPLETE")].endswith(f"{name}-1")
    listed = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    assert sorted(resource["LogicalResourceId"] for resource in listed) == ["First", "Second"]


def test_a_step_functions_execution_is_refused_rather_than_faked(aws) -> None:
    """moto's executions report success without running a state; the cloud says so."""
    stepfunctions = aws("stepfunctions")
    machine = stepfunctions.create_state_machine(
        name=f"machine-{uuid.uuid4().hex[:8]}",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::000000000000:role/states",
    )["stateMachineArn"]
    with pytest.raises(stepfunctions.exceptions.ClientError) as refused:
        stepfunctions.start_execution(stateMachineArn=machine)
    error = refused.value.response["Error"]
    assert error["Code"] == "UnsupportedOperation"
    assert "Step Functions executions do not run in the glueline local cloud" in error["Message"]
    assert stepfunctions.list_executions(stateMachineArn=machine)["executions"] == []


def test_an_ssm_parameter_without_a_name_gets_a_generated_one(aws) -> None:
    """``Name`` is optional on ``AWS::SSM::Parameter`` ("If you don't specify a name, AWS
    CloudFormation generates a unique physical ID", CloudFormation reference): ``Ref`` is the
    generated name, and the parameter goes with its stack."""
    suffix = uuid.uuid4().hex[:8]
    body = {
        "Resources": {
            "Unnamed": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": f"value-{suffix}"},
            }
        },
        "Outputs": {"Name": {"Value": {"Ref": "Unnamed"}}},
    }
    cloudformation, ssm = aws("cloudformation"), aws("ssm")
    cloudformation.create_stack(StackName=f"unnamed-{suffix}", TemplateBody=json.dumps(body))
    stack = cloudformation.describe_stacks(StackName=f"unnamed-{suffix}")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    name = stack["Outputs"][0]["OutputValue"]
    assert "Unnamed" in name
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == f"value-{suffix}"

    cloudformation.delete_stack(StackName=f"unnamed-{suffix}")
    assert ssm.get_parameters(Names=[name])["InvalidParameters"] == [name]
