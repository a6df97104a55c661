"""cdk-nag's AwsSolutions pack over every stack: local stacks, pipeline and its stages."""

from __future__ import annotations

from typing import Any

import pytest

from stack.nag import nag_name


@pytest.mark.parametrize("app_fixture", ["local_app", "aws_app"])
def test_no_unacknowledged_findings(app_fixture: str, request: pytest.FixtureRequest) -> None:
    synthesized = request.getfixturevalue(app_fixture)
    assert synthesized.nag_error is None, str(synthesized.nag_error)


def test_every_acknowledgment_names_a_rule_and_gives_a_reason(local_app: Any, aws_app: Any) -> None:
    acknowledgments: dict[str, str] = {}
    for synthesized in (local_app, aws_app):
        for construct in synthesized.app.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == "aws:cdk:acknowledged-rules":
                    acknowledgments.update(entry.data)
    assert "AwsSolutions::AwsSolutions-L1" in acknowledgments
    assert all(rule.startswith("AwsSolutions::AwsSolutions-") for rule in acknowledgments)
    assert all(len(reason.split()) >= 8 for reason in acknowledgments.values())


def test_nag_names_render_like_cdk_nag_finding_ids() -> None:
    value = {"Fn::Join": ["", [{"Fn::GetAtt": ["InputBucket3BF8630A", "Arn"]}, "/*"]]}
    assert nag_name(value) == "<InputBucket3BF8630A.Arn>/*"
    assert nag_name({"Fn::Sub": "arn:${AWS::Partition}:iam::1:role/x"}) == (
        "arn:<AWS::Partition>:iam::1:role/x"
    )
