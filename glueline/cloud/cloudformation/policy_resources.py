"""Resource policies moto's CloudFormation skips: bucket, queue and topic policies.

CDK attaches one to every bucket it makes TLS-only, to the on-failure queue and to the
alarm topic; skipping them would hide a policy document that AWS would reject.
"""

from __future__ import annotations

import json
from typing import Any

from glueline.cloud.cloudformation.named_resource import NamedResource


class _PolicyModel(NamedResource):
    """A policy attached to one or more existing resources; named by its first target."""

    def __init__(self, targets: list[str]) -> None:
        super().__init__(targets[0])
        self.targets = targets

    @classmethod
    def _targets(cls, properties: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    @classmethod
    def _attach(cls, target: str, policy: str | None, account_id: str, region_name: str) -> None:
        raise NotImplementedError

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> _PolicyModel:
        targets = cls._targets(properties)
        document = json.dumps(properties["PolicyDocument"])
        for target in targets:
            cls._attach(target, document, account_id, region_name)
        return cls(targets)

    def delete(self, account_id: str, region_name: str) -> None:
        for target in self.targets:
            self._attach(target, None, account_id, region_name)


class BucketPolicy(_PolicyModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def _targets(cls, properties: dict[str, Any]) -> list[str]:
        return [properties["Bucket"]]

    @classmethod
    def _attach(cls, target: str, policy: str | None, account_id: str, region_name: str) -> None:
        from moto.s3.models import s3_backends

        backend = s3_backends[account_id]["aws"]
        if policy is None:
            backend.delete_bucket_policy(target)
        else:
            backend.put_bucket_policy(target, policy.encode())


class QueuePolicy(_PolicyModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def _targets(cls, properties: dict[str, Any]) -> list[str]:
        return list(properties["Queues"])

    @classmethod
    def _attach(cls, target: str, policy: str | None, account_id: str, region_name: str) -> None:
        from moto.sqs.models import sqs_backends

        queue_name = target.rstrip("/").split("/")[-1]
        sqs_backends[account_id][region_name].set_queue_attributes(
            queue_name, {"Policy": policy or ""}
        )


class TopicPolicy(_PolicyModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def _targets(cls, properties: dict[str, Any]) -> list[str]:
        return list(properties["Topics"])

    @classmethod
    def _attach(cls, target: str, policy: str | None, account_id: str, region_name: str) -> None:
        from moto.sns.models import sns_backends

        backend = sns_backends[account_id][region_name]
        if policy is None:
            default = backend.get_topic(target)._create_default_topic_policy(
                region_name, account_id, target.split(":")[-1]
            )
            policy = json.dumps(default)
        backend.set_topic_attribute(target, "Policy", policy)
