"""A failed stack update says so: the failing resource, its reason, and that nothing rolled back.

The local cloud does not emulate update rollbacks (README, "Known limits"); what it must do
is report the failure where ``cdk deploy`` and the console look: the stack's status reason
and its events.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

UNSUPPORTED = "Resource type AWS::Bogus::Thing is not supported by the glueline local cloud"


def template(value: str, *, with_unsupported_resource: bool) -> str:
    resources: dict[str, Any] = {
        "Parameter": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": f"/glueline-test/{value}", "Type": "String", "Value": value},
        }
    }
    if with_unsupported_resource:
        resources["Thing"] = {"Type": "AWS::Bogus::Thing", "Properties": {}}
    return json.dumps({"Resources": resources})


def update_directly(cloudformation: Any, stack_name: str, body: str) -> None:
    cloudformation.update_stack(StackName=stack_name, TemplateBody=body)


def update_with_a_change_set(cloudformation: Any, stack_name: str, body: str) -> None:
    """The path ``cdk deploy`` takes."""
    cloudformation.create_change_set(
        StackName=stack_name, ChangeSetName="update", ChangeSetType="UPDATE", TemplateBody=body
    )
    cloudformation.execute_change_set(StackName=stack_name, ChangeSetName="update")


@pytest.mark.parametrize("update", [update_directly, update_with_a_change_set])
def test_a_failed_update_reports_the_resource_and_that_nothing_rolled_back(
    aws: Callable[[str], Any], update: Callable[[Any, str, str], None]
) -> None:
    cloudformation = aws("cloudformation")
    stack_name = f"failing-update-{update.__name__.replace('_', '-')}"
    cloudformation.create_stack(
        StackName=stack_name, TemplateBody=template("v1", with_unsupported_resource=False)
    )

    update(cloudformation, stack_name, template("v2", with_unsupported_resource=True))

    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "AWS::Bogus::Thing" in stack["StackStatusReason"]
    assert "not supported by the glueline local cloud" in stack["StackStatusReason"]
    events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
    update_started = [event["ResourceStatus"] for event in events].index("UPDATE_IN_PROGRESS")
    since_the_update = {
        (event["LogicalResourceId"], event["ResourceStatus"]): event.get("ResourceStatusReason")
        for event in events[:update_started]
    }
    newest = events[0]
    assert (newest["LogicalResourceId"], newest["ResourceStatus"]) == (
        stack_name,
        "UPDATE_ROLLBACK_COMPLETE",
    )
    assert newest["ResourceStatusReason"] == (
        "The local cloud does not roll back updates; resources updated before the "
        "failure keep their new state."
    )
    assert since_the_update[(stack_name, "UPDATE_FAILED")] == stack["StackStatusReason"]
    assert UNSUPPORTED in since_the_update[("Thing", "UPDATE_FAILED")]
