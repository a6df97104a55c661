"""Custom resources LocalStack skipped, prepared without a daemon: which run, their properties
resolved against the resources LocalStack created, and the event CloudFormation would send.
tests/docker and ``make e2e BACKEND=docker`` run CDK's bucket-notifications handler for real.
"""

from __future__ import annotations

import pytest

from glueline.docker_backend import custom_resources
from glueline.docker_backend.templates import (
    DeployedResource,
    DeployedStack,
    UnresolvableTemplate,
)

NOTIFICATIONS = {
    "Type": "Custom::S3BucketNotifications",
    "Properties": {
        "ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]},
        "BucketName": {"Ref": "InputBucket"},
        "NotificationConfiguration": {
            "LambdaFunctionConfigurations": [
                {
                    "Events": ["s3:ObjectCreated:*"],
                    "LambdaFunctionArn": {"Fn::GetAtt": ["Trigger", "Arn"]},
                }
            ]
        },
        "Managed": True,
    },
}
AUTO_DELETE = {
    "Type": "Custom::S3AutoDeleteObjects",
    "Properties": {"ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]}},
}


def resource(logical_id: str, resource_type: str, physical_id: str, skipped: bool = False):
    return DeployedResource(logical_id, resource_type, physical_id, skipped)


def stack(template_resources: dict, deployed: list[DeployedResource]) -> DeployedStack:
    return DeployedStack(
        name="infra",
        stack_id="arn:aws:cloudformation:us-east-1:000000000000:stack/infra/1",
        template={"Resources": template_resources},
        resources={item.logical_id: item for item in deployed},
    )


DEPLOYED = [
    resource("Handler", "AWS::Lambda::Function", "infra-handler"),
    resource("Trigger", "AWS::Lambda::Function", "infra-trigger"),
    resource("InputBucket", "AWS::S3::Bucket", "infra-input"),
    resource("Notifications", "Custom::S3BucketNotifications", "unknown", skipped=True),
    resource("AutoDelete", "Custom::S3AutoDeleteObjects", "unknown", skipped=True),
]


def test_skipped_notifications_are_resolved_against_what_localstack_created() -> None:
    deployed = stack({"Notifications": NOTIFICATIONS}, DEPLOYED)

    (found,), notes = custom_resources.custom_resources([deployed], {})

    assert notes == []
    assert found.where == "infra/Notifications"
    assert found.properties["ServiceToken"] == (
        "arn:aws:lambda:us-east-1:000000000000:function:infra-handler"
    )
    assert found.properties["BucketName"] == "infra-input"
    (configuration,) = found.properties["NotificationConfiguration"]["LambdaFunctionConfigurations"]
    assert configuration["LambdaFunctionArn"].endswith(":function:infra-trigger")


def test_types_glueline_does_not_run_are_reported_with_the_consequence() -> None:
    deployed = stack({"AutoDelete": AUTO_DELETE}, DEPLOYED)

    to_run, (note,) = custom_resources.custom_resources([deployed], {})

    assert to_run == []
    assert note.startswith("infra/AutoDelete (Custom::S3AutoDeleteObjects) not run:")
    assert "not emptied" in note


def test_a_custom_resource_localstack_ran_itself_is_not_run_again() -> None:
    ran = [*DEPLOYED[:3], resource("Notifications", "Custom::S3BucketNotifications", "n1")]

    to_run, notes = custom_resources.custom_resources(
        [stack({"Notifications": NOTIFICATIONS}, ran)], {}
    )

    assert (to_run, notes) == ([], [])


def test_a_reference_to_a_resource_localstack_skipped_fails_naming_it() -> None:
    skipped_handler = [resource("Handler", "AWS::Lambda::Function", "unknown", skipped=True)]
    deployed = stack({"Notifications": NOTIFICATIONS}, [*skipped_handler, *DEPLOYED[1:]])

    with pytest.raises(UnresolvableTemplate, match=r"infra/Notifications.*Handler is not"):
        custom_resources.custom_resources([deployed], {})


def test_the_create_event_carries_string_properties_as_cloudformation_sends_them() -> None:
    deployed = stack({"Notifications": NOTIFICATIONS}, DEPLOYED)
    (found,), _ = custom_resources.custom_resources([deployed], {})

    event = custom_resources.create_event(found, "http://localstack:4566/r/k?sig", "req-1")

    assert event["RequestType"] == "Create"
    assert event["ResponseURL"] == "http://localstack:4566/r/k?sig"
    assert event["LogicalResourceId"] == "Notifications"
    assert event["StackId"].endswith(":stack/infra/1")
    assert event["ResourceProperties"]["Managed"] == "true"
    assert event["ServiceToken"] == event["ResourceProperties"]["ServiceToken"]


def test_every_scalar_becomes_a_string_and_structure_is_kept() -> None:
    assert custom_resources.as_strings({"a": [1, 2.5, False], "b": {"c": None, "d": "x"}}) == {
        "a": ["1", "2.5", "false"],
        "b": {"c": None, "d": "x"},
    }


def test_deploy_fails_on_skipped_types_beyond_those_glueline_provides() -> None:
    from glueline.docker_backend.deploy import skipped_resources

    deployed = stack(
        {},
        [
            *DEPLOYED,
            resource("Database", "AWS::Glue::Database", "unknown", skipped=True),
            resource("Table", "AWS::Glue::Table", "unknown", skipped=True),
            resource("Pipe", "AWS::Pipes::Pipe", "unknown", skipped=True),
        ],
    )

    assert skipped_resources([deployed]) == [
        "infra/Table (AWS::Glue::Table)",
        "infra/Pipe (AWS::Pipes::Pipe)",
    ]
