"""APIs moto answers without doing their work, refused instead of faking success.

A Step Functions execution that moto "starts" stays RUNNING while its history says it
succeeded, and none of its states (a Lambda task, a Glue job) ever run: a pipeline tested
against that would look fine and do nothing. The local cloud says so instead, as it refuses
``AWS::StepFunctions::StateMachine`` in templates.
"""

from __future__ import annotations

from typing import Any

from glueline.cloud import patches

STEP_FUNCTIONS_MESSAGE = (
    "Step Functions executions do not run in the glueline local cloud (moto's executions "
    "never run their states); start the Glue job or invoke the function directly"
)


def install() -> None:
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.responses import StepFunctionResponse

    class UnsupportedOperation(AWSError):
        TYPE = "UnsupportedOperation"
        STATUS = 400

    def refuse(self: Any) -> Any:
        raise UnsupportedOperation(STEP_FUNCTIONS_MESSAGE)

    patches.replace(
        StepFunctionResponse, "start_execution", refuse, reason="executions would not run"
    )
