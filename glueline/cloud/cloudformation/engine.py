"""Stack operations that tell the truth, on top of moto's template parsing.

moto resolves intrinsic functions and knows how to create most resource types; what it
gets wrong for CDK deployments is the life cycle: the change-set path skips outputs,
exports and imports, unsupported types are skipped with a warning, a failing resource
leaves an exception instead of a failed stack, and custom resources are fire-and-forget.
This module replaces the backend's stack operations so that every path goes through one
provisioning routine that creates, updates and deletes resources in dependency order and
records a failed status with the reason when anything goes wrong.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_stack_id

from glueline.cloud import patches
from glueline.cloud.cloudformation import (
    alarm_resources,
    custom_resources,
    glue_orchestration_resources,
    glue_resources,
    lambda_resources,
    moto_fixes,
    policy_resources,
)
from glueline.cloud.settings import CloudSettings

log = logging.getLogger("glueline.cloudformation")

#: Types that have no effect to emulate: CDK's analytics marker and wait conditions.
IGNORED_TYPES = frozenset(
    {
        "AWS::CDK::Metadata",
        "AWS::CloudFormation::WaitCondition",
        "AWS::CloudFormation::WaitConditionHandle",
    }
)
#: Types moto accepts but cannot make behave: refused like unknown types, with the reason.
INERT_TYPES = {
    "AWS::StepFunctions::StateMachine": (
        "Step Functions executions do not run in the local cloud: moto's executions never "
        "run their states"
    ),
}
#: The resource models glueline adds to moto's CloudFormation.
ADDED_MODELS = (
    glue_resources.GlueDatabase,
    glue_resources.GlueTable,
    glue_resources.GlueJob,
    glue_resources.GlueSecurityConfiguration,
    glue_orchestration_resources.GlueCrawler,
    glue_orchestration_resources.GlueTrigger,
    glue_orchestration_resources.GlueWorkflow,
    lambda_resources.EventInvokeConfig,
    policy_resources.BucketPolicy,
    policy_resources.QueuePolicy,
    policy_resources.TopicPolicy,
    alarm_resources.MetricAlarm,
)
ADDED_MODELS_BY_TYPE = {model.cloudformation_type(): model for model in ADDED_MODELS}


class ResourceFailed(Exception):
    """A resource could not be created, updated or deleted; names the resource."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id = logical_id
        self.resource_type = resource_type
        self.reason = reason


class ChangeSetNotFound(CloudFormationError):
    """AWS's answer for a missing change set; the CDK CLI expects exactly this code."""

    code = "ChangeSetNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"ChangeSet [{name}] does not exist")


class UnsupportedResourceType(Exception):
    """The template uses a type the local cloud cannot create."""

    def __init__(self, resource_type: str) -> None:
        why = INERT_TYPES.get(resource_type)
        super().__init__(
            f"Resource type {resource_type} is not supported by the glueline local cloud"
            + (f" ({why})" if why else "")
        )
        self.resource_type = resource_type


class UnsupportedResourceTypes(ValidationError):
    """Every resource of a template whose type the local cloud cannot create, at once."""

    def __init__(self, stack_id: str, unsupported: list[tuple[str, str]]) -> None:
        listed = "; ".join(
            f"{resource_type} ({', '.join(ids)})"
            for resource_type, ids in _by_type(unsupported).items()
        )
        reasons = sorted({INERT_TYPES[t] for _, t in unsupported if t in INERT_TYPES})
        super().__init__(
            stack_id,
            message=f"Resource types not supported by the glueline local cloud: {listed}"
            + (f". {' '.join(reasons)}" if reasons else ""),
        )
        self.unsupported = unsupported


def _by_type(resources: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for logical_id, resource_type in resources:
        grouped.setdefault(resource_type, []).append(logical_id)
    return grouped


def install(settings: CloudSettings, executor: Any) -> None:
    """Patch moto's CloudFormation; idempotent only in the sense that it runs once."""
    custom_resources.ProviderConnection.endpoint_url = settings.endpoint_url
    custom_resources.ProviderConnection.executor = executor
    _import_moto_models()
    for ignored in IGNORED_TYPES:
        warnings.filterwarnings("ignore", message=f"Tried to parse {ignored}")
    for cache in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cache.cache_clear()
    moto_fixes.install()
    stack_life_cycle = "one provisioning routine for every stack operation"
    for owner, name, value, reason in (
        (parsing, "resource_class_from_type", _resource_class_from_type, "added types"),
        (
            parsing,
            "parse_and_create_resource",
            _reporting_failures(parsing.parse_and_create_resource),
            "a failing resource is named",
        ),
        (parsing, "parse_and_update_resource", _update_or_replace, "update or replace"),
        (
            parsing,
            "clean_json",
            _resolving_every_attribute(parsing.clean_json),
            "an unresolvable Fn::GetAtt fails",
        ),
        (CloudFormationBackend, "create_stack", _create_stack, stack_life_cycle),
        (CloudFormationBackend, "execute_change_set", _execute_change_set, stack_life_cycle),
        (CloudFormationBackend, "update_stack", _update_stack, stack_life_cycle),
        (CloudFormationBackend, "delete_stack", _delete_stack, stack_life_cycle),
        (
            CloudFormationResponse,
            "describe_change_set",
            _describe_change_set,
            "change sets by name within their stack",
        ),
        (
            CloudFormationResponse,
            "delete_change_set",
            _delete_change_set,
            "deleting a missing change set succeeds",
        ),
    ):
        patches.replace(owner, name, value, reason=reason)
    patches.add(Stack, "stack_status_reason", None, reason="StackStatusReason of failed stacks")


def _import_moto_models() -> None:
    """Import every moto service's models so their CloudFormation types are registered.

    moto registers a type when the module defining its model is imported, which in server
    mode happens on a service's first request: without this, a queue would be "unsupported"
    until someone had called SQS.
    """
    import importlib

    from moto.backend_index import backend_url_patterns

    for service, _ in backend_url_patterns:
        try:
            importlib.import_module(f"moto.{service}.models")
        except ImportError:
            log.debug("moto service %s has no models module", service)


def _resource_class_from_type(resource_type: str) -> type | None:
    if resource_type in IGNORED_TYPES:
        return None
    if resource_type.startswith("Custom::") or resource_type == (
        "AWS::CloudFormation::CustomResource"
    ):
        return custom_resources.LambdaBackedCustomResource
    model = ADDED_MODELS_BY_TYPE.get(resource_type) or parsing.get_model_map().get(resource_type)
    if model is None or resource_type in INERT_TYPES:
        raise UnsupportedResourceType(resource_type)
    return model


def unsupported_resources(template: dict[str, Any]) -> list[tuple[str, str]]:
    """``(logical id, type)`` of every resource the local cloud cannot create."""
    unsupported = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        try:
            _resource_class_from_type(resource.get("Type", ""))
        except UnsupportedResourceType:
            unsupported.append((logical_id, resource.get("Type", "")))
    return unsupported


def _refuse_unsupported(stack: Stack, template: dict[str, Any]) -> None:
    unsupported = unsupported_resources(template)
    if unsupported:
        raise UnsupportedResourceTypes(stack.stack_id, unsupported)


def _reporting_failures(create: Callable[..., Any]) -> Callable[..., Any]:
    """Record each resource's progress as stack events, as CloudFormation does (the CDK CLI
    shows them), and name a failing resource in the error, innermost first (references nest
    creation)."""

    @functools.wraps(create)
    def create_or_explain(
        logical_id: str,
        resource_json: dict[str, Any],
        resources_map: Any,
        account_id: str,
        region_name: str,
        *args: Any,
        **kw: Any,
    ) -> Any:
        resource_type = resource_json.get("Type", "?")
        condition = resource_json.get("Condition")
        skipped = condition and not resources_map.lazy_condition_map[condition]
        if not skipped:
            # moto creates what a resource references first, but not what it only names in
            # DependsOn: a function would run (as a custom resource's handler) before the
            # policy it depends on existed.
            depends_on = resource_json.get("DependsOn") or []
            for dependency in [depends_on] if isinstance(depends_on, str) else depends_on:
                resources_map[dependency]
        stack = None if skipped else _stack_of(resources_map, account_id, region_name)
        if stack is not None:
            _resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS")
        try:
            created = create(
                logical_id, resource_json, resources_map, account_id, region_name, *args, **kw
            )
        except ResourceFailed:
            raise
        except Exception as exc:
            raise ResourceFailed(logical_id, resource_type, _reason(exc)) from exc
        if stack is not None and created is not None:
            physical_id = getattr(created, "physical_resource_id", None)
            _resource_event(
                stack,
                logical_id,
                resource_type,
                "CREATE_COMPLETE",
                physical_id=physical_id if isinstance(physical_id, str) else "",
            )
        return created

    return create_or_explain


def _stack_of(resources_map: Any, account_id: str, region_name: str) -> Stack | None:
    from moto.cloudformation.models import cloudformation_backends

    stack_id = getattr(resources_map, "stack_id", None)
    return cloudformation_backends[account_id][region_name].stacks.get(stack_id)


def _resolving_every_attribute(clean_json: Callable[..., Any]) -> Callable[..., Any]:
    """Fail on a ``Fn::GetAtt`` the model cannot answer instead of leaving it unresolved.

    moto logs a warning and carries on with the raw ``{"Fn::GetAtt": ...}`` in the value.
    """

    @functools.wraps(clean_json)
    def clean(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetAtt" in resource_json:
            target, attribute = resource_json["Fn::GetAtt"][:2]
            resource = resources_map.get(target)
            if resource is not None and not isinstance(resource, str):
                try:
                    return resource.get_cfn_attribute(attribute)
                except NotImplementedError as exc:
                    raise ValidationError(
                        resources_map.stack_id,
                        message=f"Fn::GetAtt {target}.{attribute} is not supported by the "
                        f"glueline local cloud for {type(resource).__name__}",
                    ) from exc
        return clean_json(resource_json, resources_map)

    return clean


_original_update = parsing.parse_and_update_resource


def _update_or_replace(
    logical_id: str,
    resource_json: dict[str, Any],
    resources_map: Any,
    account_id: str,
    region_name: str,
) -> Any:
    """Update in place where the model can, otherwise replace: never drop the resource."""
    resource_type = resource_json.get("Type", "?")
    resource_class = _resource_class_from_type(resource_type)
    if resource_class is None:
        return None
    try:
        if not hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__"):
            return _original_update(
                logical_id, resource_json, resources_map, account_id, region_name
            )
        original = resources_map[logical_id]
        if original is not None:
            resources_map._delete_resource(original, resources_map._resource_json_map[logical_id])
        resources_map._parsed_resources.pop(logical_id, None)
        return resources_map[logical_id]
    except ResourceFailed:
        raise
    except Exception as exc:
        raise ResourceFailed(logical_id, resource_type, _reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message}" if message != type(exc).__name__ else message


# --- stack operations -------------------------------------------------------------------


def _create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
) -> Stack:
    from moto.cloudformation.exceptions import AlreadyExistsException

    if any(stack.name == name for stack in self.stacks.values()):
        raise AlreadyExistsException(f"Stack {name} already exists")
    stack = Stack(
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template={},
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    self.stacks[stack.stack_id] = stack
    _provision_new_stack(self, stack, template, parameters)
    return stack


def _execute_change_set(
    self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None
) -> None:
    change_set = find_change_set(self, change_set_name, stack_name)
    stack = self.stacks[change_set.stack_id]
    if change_set.tags is not None:
        stack.tags = change_set.tags
    if change_set.change_set_type == "CREATE":
        _provision_new_stack(self, stack, change_set.template, change_set.parameters)
    else:
        _provision_update(self, stack, change_set.template, change_set.parameters)
    change_set.execution_status = "EXECUTE_COMPLETE"


def find_change_set(
    backend: CloudFormationBackend, name_or_arn: str, stack_name: str | None
) -> Any:
    """A change set by ARN, or by name within its stack (CDK names every one alike)."""
    if name_or_arn in backend.change_sets:
        return backend.change_sets[name_or_arn]
    for change_set in reversed(list(backend.change_sets.values())):
        if change_set.change_set_name == name_or_arn and stack_name in (
            None,
            change_set.stack_name,
            change_set.stack_id,
        ):
            return change_set
    raise ChangeSetNotFound(name_or_arn)


def _describe_change_set(self: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult(
        find_change_set(
            self.cloudformation_backend,
            self._get_param("ChangeSetName"),
            self._get_param("StackName"),
        )
    )


def _delete_change_set(self: Any) -> Any:
    """Deleting a change set that is not there succeeds, as in AWS (the CDK CLI relies on it)."""
    from moto.core.responses import EmptyResult

    backend = self.cloudformation_backend
    try:
        change_set = find_change_set(
            backend, self._get_param("ChangeSetName"), self._get_param("StackName")
        )
    except ChangeSetNotFound:
        return EmptyResult()
    backend.change_sets.pop(change_set.change_set_id, None)
    return EmptyResult()


def _update_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    role_arn: str | None = None,
    parameters: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> Stack:
    stack = self.get_stack(name)
    if tags is not None:
        stack.tags = tags
    _provision_update(self, stack, template, parameters or stack.parameters)
    return stack


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = self.stacks.get(name_or_stack_id) or next(
        (s for s in self.stacks.values() if s.name == name_or_stack_id), None
    )
    if stack is None:
        return
    importers = _stacks_importing(self, stack)
    if importers:
        raise ValidationError(
            stack.stack_id,
            message=f"Export {importers[0][0]} cannot be deleted as it is in use by "
            f"{importers[0][1]}",
        )
    export_names = [export.name for export in stack.exports] if stack.template_dict else []
    stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    failures = _delete_resources(stack)
    if failures:
        _fail(stack, "DELETE_FAILED", "The following resource(s) failed to delete: " + failures)
        return
    for name in export_names:
        self.exports.pop(name, None)
    stack.status = "DELETE_COMPLETE"
    stack._add_stack_event("DELETE_COMPLETE")
    _forget_resources(stack)
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack


# --- provisioning -----------------------------------------------------------------------


def _provision_new_stack(
    backend: CloudFormationBackend, stack: Stack, template: str, parameters: dict[str, Any]
) -> None:
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "CREATE_IN_PROGRESS"
    try:
        stack.template = template
        stack._parse_template()
        _refuse_unsupported(stack, stack.template_dict)
        stack.description = stack.template_dict.get("Description")
        stack.parameters = parameters
        stack.cross_stack_resources = backend.exports
        stack.resource_map = stack._create_resource_map()
        stack.output_map = stack._create_output_map()
        stack.resource_map.create(stack.template_dict)
        _publish_exports(backend, stack, previous=[])
    except Exception as exc:
        _record_resource_failure(stack, exc)
        _fail(stack, "CREATE_FAILED", _reason_of(exc), exc)
        failures = _delete_resources(stack)
        reason = "Rollback requested by user." if not failures else f"Rollback failed: {failures}"
        stack.status = "ROLLBACK_COMPLETE" if not failures else "ROLLBACK_FAILED"
        stack._add_stack_event(stack.status, resource_status_reason=reason)
        _forget_resources(stack)
        return
    stack.status = "CREATE_COMPLETE"
    stack._add_stack_event("CREATE_COMPLETE")


def _provision_update(
    backend: CloudFormationBackend, stack: Stack, template: str, parameters: dict[str, Any]
) -> None:
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "UPDATE_IN_PROGRESS"
    previous_exports = [export.name for export in stack.exports]
    try:
        stack.resource_map.cross_stack_resources = backend.exports
        new_template = Stack.parse_template(template)
        _refuse_unsupported(stack, new_template)
        stack.resource_map.update(new_template, parameters)
        stack.template = template
        stack._parse_template()
        stack.parameters = parameters
        stack.output_map = stack._create_output_map()
        _publish_exports(backend, stack, previous=previous_exports)
    except Exception as exc:
        _record_resource_failure(stack, exc)
        _fail(stack, "UPDATE_FAILED", _reason_of(exc), exc)
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        stack._add_stack_event(
            stack.status,
            resource_status_reason="The local cloud does not roll back updates; resources "
            "updated before the failure keep their new state.",
        )
        return
    stack.status = "UPDATE_COMPLETE"
    stack._add_stack_event("UPDATE_COMPLETE")


def _publish_exports(backend: CloudFormationBackend, stack: Stack, previous: list[str]) -> None:
    for name in previous:
        backend.exports.pop(name, None)
    backend._validate_export_uniqueness(stack)
    for export in stack.exports:
        backend.exports[export.name] = export


def _delete_resources(stack: Stack) -> str:
    """Delete in reverse dependency order; return a description of what failed, if any."""
    resources = stack.template_dict.get("Resources", {}) if stack.template_dict else {}
    parsed = stack.resource_map._parsed_resources
    failures = []
    for logical_id in reversed(dependency_order(resources)):
        resource = parsed.get(logical_id)
        resource_json = resources[logical_id]
        if resource is None or isinstance(resource, str):
            continue
        if resource_json.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
            continue
        try:
            stack.resource_map._delete_resource(resource, resource_json)
        except Exception as exc:
            failures.append(f"{logical_id} ({resource_json['Type']}): {_reason(exc)}")
            log.warning("could not delete %s of %s: %s", logical_id, stack.name, exc)
        else:
            parsed.pop(logical_id, None)
    return "; ".join(failures)


def _forget_resources(stack: Stack) -> None:
    """Empty the lazy maps, so that reading a gone stack's outputs creates nothing again.

    moto's resource map creates a resource on first access; after a rollback or deletion
    an output read would otherwise resurrect what was just deleted.
    """
    from moto.cloudformation.parsing import OutputMap

    stack.resource_map._resource_json_map = {}
    stack.output_map = OutputMap(stack.resource_map, {}, stack.stack_id)


def dependency_order(resources: dict[str, Any]) -> list[str]:
    """Logical ids such that each comes after everything it references."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered or logical_id in visiting:
            return
        visiting.add(logical_id)
        for dependency in sorted(_references(resources[logical_id]) & resources.keys()):
            visit(dependency)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return ordered


def _references(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                found.add(target)
            elif key == "DependsOn":
                found.update([value] if isinstance(value, str) else value)
            elif key == "Fn::Sub":
                template = value[0] if isinstance(value, list) else value
                found.update(
                    part.split("}")[0].split(".")[0] for part in str(template).split("${")[1:]
                )
            found.update(_references(value))
    elif isinstance(node, list):
        for item in node:
            found.update(_references(item))
    return found


def _stacks_importing(backend: CloudFormationBackend, stack: Stack) -> list[tuple[str, str]]:
    if not stack.template_dict:
        return []
    names = {export.name for export in stack.exports}
    importers = []
    for other in backend.stacks.values():
        if other is stack or not other.template_dict:
            continue
        imported = _imports(other.template_dict)
        importers.extend((name, other.name) for name in sorted(names & imported))
    return importers


def _imports(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue" and isinstance(value, str):
                found.add(value)
            else:
                found.update(_imports(value))
    elif isinstance(node, list):
        for item in node:
            found.update(_imports(item))
    return found


def _fail(stack: Stack, status: str, reason: str, cause: BaseException | None = None) -> None:
    log.error("stack %s: %s: %s", stack.name, status, reason, exc_info=cause)
    stack.status = status
    stack.stack_status_reason = reason
    stack._add_stack_event(status, resource_status_reason=reason)


def _record_resource_failure(stack: Stack, exc: BaseException) -> None:
    """Add the resource-level FAILED events that ``cdk deploy`` prints."""
    failed_status = f"{stack.status.split('_')[0]}_FAILED"
    if isinstance(exc, UnsupportedResourceTypes):
        for logical_id, resource_type in exc.unsupported:
            reason = str(UnsupportedResourceType(resource_type))
            _resource_event(stack, logical_id, resource_type, failed_status, reason)
        return
    failed = _innermost(exc)
    if isinstance(failed, ResourceFailed):
        _resource_event(
            stack, failed.logical_id, failed.resource_type, failed_status, failed.reason
        )


def _resource_event(
    stack: Stack,
    logical_id: str,
    resource_type: str,
    status: str,
    reason: str | None = None,
    physical_id: str = "",
) -> None:
    """One resource's progress, as ``DescribeStackEvents`` reports it."""
    from moto.cloudformation.models import Event

    stack.events.append(
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _innermost(exc: BaseException) -> BaseException:
    while isinstance(exc.__cause__, ResourceFailed):
        exc = exc.__cause__
    return exc


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, UnsupportedResourceTypes):
        return str(exc.message)
    failed = _innermost(exc)
    if isinstance(failed, ResourceFailed):
        return f"Resource {failed.logical_id} ({failed.resource_type}) failed: {failed.reason}"
    return _reason(exc)
