"""``AWS::CloudWatch::Alarm``, which moto's CloudWatch stores but its CloudFormation skips."""

from __future__ import annotations

from typing import Any

from glueline.cloud.cloudformation.named_resource import NamedResource


def _cloudwatch(account_id: str, region_name: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account_id][region_name]


class MetricAlarm(NamedResource):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @classmethod
    def create(
        cls, name: str, properties: dict[str, Any], account_id: str, region_name: str
    ) -> MetricAlarm:
        alarm_name = properties.get("AlarmName", name)
        _cloudwatch(account_id, region_name).put_metric_alarm(
            name=alarm_name,
            namespace=properties.get("Namespace", ""),
            metric_name=properties.get("MetricName", ""),
            comparison_operator=properties["ComparisonOperator"],
            evaluation_periods=int(properties["EvaluationPeriods"]),
            period=int(properties.get("Period", 60)),
            threshold=float(properties.get("Threshold", 0)),
            statistic=properties.get("Statistic", ""),
            description=properties.get("AlarmDescription", ""),
            dimensions=[
                {"Name": d["Name"], "Value": d["Value"]} for d in properties.get("Dimensions", [])
            ],
            alarm_actions=properties.get("AlarmActions", []),
            ok_actions=properties.get("OKActions", []),
            insufficient_data_actions=properties.get("InsufficientDataActions", []),
            datapoints_to_alarm=properties.get("DatapointsToAlarm"),
            unit=properties.get("Unit"),
            actions_enabled=properties.get("ActionsEnabled", True),
            treat_missing_data=properties.get("TreatMissingData"),
        )
        return cls(alarm_name)

    def delete(self, account_id: str, region_name: str) -> None:
        _cloudwatch(account_id, region_name).delete_alarms([self.name])
