"""What an API request asks, in IAM's terms: its action, the resources it touches, its context.

The action is ``<service prefix>:<operation>``, with S3's REST operations named as IAM names
them (``HeadBucket`` is ``s3:ListBucket``). The resources follow each service's
"Resource types defined by ..." table in the Service Authorization Reference: a Glue table
operation touches the catalog, the database and the table; a job operation the job; an SQS
call the queue. Where the kit does not know an operation's resource, the request is
evaluated against ``*``, which only a policy granting the action on every resource permits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

#: SigV4 signing names whose IAM prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
#: moto's S3 operation names (``ACTION_MAP``) that IAM names otherwise.
S3_ACTIONS = {
    "HeadBucket": "ListBucket",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "ListBucketVersions": "ListBucketVersions",
}
#: Glue operations on a job, a crawler, a trigger or a workflow, by their name parameter.
GLUE_NAMED_RESOURCES = {
    "job": ("JobName", "Name"),
    "crawler": ("CrawlerName", "Name"),
    "trigger": ("TriggerName", "Name"),
    "workflow": ("WorkflowName", "Name"),
}
GLUE_OPERATIONS_BY_RESOURCE = {
    "job": {
        "StartJobRun",
        "GetJobRun",
        "GetJobRuns",
        "GetJob",
        "UpdateJob",
        "DeleteJob",
        "BatchStopJobRun",
        "ResetJobBookmark",
        "GetJobBookmark",
    },
    "crawler": {"StartCrawler", "StopCrawler", "GetCrawler", "UpdateCrawler", "DeleteCrawler"},
    "trigger": {"StartTrigger", "StopTrigger", "GetTrigger", "UpdateTrigger", "DeleteTrigger"},
    "workflow": {"StartWorkflowRun", "GetWorkflow", "GetWorkflowRun", "GetWorkflowRuns"},
}


@dataclass(frozen=True)
class Asked:
    """One request in IAM's terms."""

    action: str
    resources: tuple[str, ...]
    #: Further checks the same request needs (a copy reads its source object).
    also: tuple[tuple[str, str], ...] = ()


def iam_prefix(signing_name: str) -> str:
    return IAM_PREFIX.get(signing_name, signing_name)


def asked(response: Any, signing_name: str, moto_resource: str, account: str, region: str) -> Asked:
    """The action and resources of the request ``response`` (a moto response) is serving."""
    if signing_name == "s3":
        return _s3(response, moto_resource)
    prefix = iam_prefix(signing_name)
    operation = response._get_action()
    resolver = _RESOURCES.get(prefix)
    resources = resolver(response, operation, account, region) if resolver else ("*",)
    return Asked(f"{prefix}:{operation}", resources or ("*",))


def _s3(response: Any, moto_resource: str) -> Asked:
    operation = response.data.get("Action") or "ListAllMyBuckets"
    action = f"s3:{S3_ACTIONS.get(operation, operation)}"
    also: tuple[tuple[str, str], ...] = ()
    source = _header(response, "x-amz-copy-source")
    if source and operation == "PutObject":
        location = unquote(source.lstrip("/").split("?", 1)[0])
        also = (("s3:GetObject", f"arn:aws:s3:::{location}"),)
    if operation == "ListAllMyBuckets":
        return Asked(action, ("*",))
    if operation == "DeleteObject" and "/" not in moto_resource.removeprefix("arn:aws:s3:::"):
        # DeleteObjects: s3:DeleteObject on each key it names (moto names the bucket). AWS
        # answers key by key; the local cloud refuses the request if any key is refused.
        keys = _keys_to_delete(response.body)
        return Asked(action, tuple(f"{moto_resource}/{key}" for key in keys) or (moto_resource,))
    return Asked(action, (moto_resource,), also)


def _keys_to_delete(body: Any) -> list[str]:
    import xmltodict

    try:
        objects = xmltodict.parse(body)["Delete"].get("Object", [])
    except Exception:  # not a Delete document: moto answers MalformedXML itself
        return []
    objects = objects if isinstance(objects, list) else [objects]
    return [str(entry.get("Key")) for entry in objects if isinstance(entry, dict)]


def _param(response: Any, *names: str) -> str | None:
    for name in names:
        value = response._get_param(name)
        if isinstance(value, str) and value:
            return value
    return None


def _glue(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    base = f"arn:aws:glue:{region}:{account}"
    for kind, operations in GLUE_OPERATIONS_BY_RESOURCE.items():
        if operation in operations:
            name = _param(response, *GLUE_NAMED_RESOURCES[kind])
            return (f"{base}:{kind}/{name}",) if name else ()
    catalog = f"{base}:catalog"
    if operation.endswith(("Database", "Databases")):
        name = _param(response, "Name") or (response._get_param("DatabaseInput") or {}).get("Name")
        return (catalog, f"{base}:database/{name}") if name else (catalog,)
    database = _param(response, "DatabaseName")
    if database is None:
        return ()
    table = _param(response, "TableName") or (response._get_param("TableInput") or {}).get("Name")
    if table is None and "Table" in operation:
        table = _param(response, "Name")
    return (
        catalog,
        f"{base}:database/{database}",
        f"{base}:table/{database}/{table or '*'}",
    )


def _sqs(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    url = _param(response, "QueueUrl")
    if url:
        return (f"arn:aws:sqs:{region}:{account}:{urlparse(url).path.rsplit('/', 1)[-1]}",)
    name = _param(response, "QueueName")
    return (f"arn:aws:sqs:{region}:{account}:{name}",) if name else ()


def _sns(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    arn = _param(response, "TopicArn", "TargetArn")
    return (arn,) if arn else ()


def _kms(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    key = _param(response, "KeyId")
    if key is None:
        return ()
    return (key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}",)


def _lambda(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    parts = urlparse(response.uri).path.split("/")
    if "functions" in parts and parts.index("functions") + 1 < len(parts):
        name = unquote(parts[parts.index("functions") + 1])
        if name.startswith("arn:"):
            return (name,)
        return (f"arn:aws:lambda:{region}:{account}:function:{name}",)
    return ()


def _logs(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    group = _param(response, "logGroupName")
    if group is None:
        return ()
    stream = _param(response, "logStreamName")
    arn = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    return (f"{arn}:log-stream:{stream}",) if stream else (f"{arn}:*",)


def _ssm(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    names = response._get_param("Names") or [_param(response, "Name")]
    return tuple(
        f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}" for name in names if name
    )


def _cloudformation(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    name = _param(response, "StackName")
    if name is None:
        return ()
    if name.startswith("arn:"):
        return (name,)
    return (f"arn:aws:cloudformation:{region}:{account}:stack/{name}/*",)


def _sts(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    role = _param(response, "RoleArn")
    return (role,) if role else ()


def _events(response: Any, operation: str, account: str, region: str) -> tuple[str, ...]:
    rule = (
        _param(response, "Rule", "Name") if "Rule" in operation or "Target" in operation else None
    )
    if rule:
        return (f"arn:aws:events:{region}:{account}:rule/{rule}",)
    return (f"arn:aws:events:{region}:{account}:event-bus/default",)


_RESOURCES: dict[str, Callable[[Any, str, str, str], tuple[str, ...]]] = {
    "ssm": _ssm,
    "cloudformation": _cloudformation,
    "sts": _sts,
    "events": _events,
    "glue": _glue,
    "sqs": _sqs,
    "sns": _sns,
    "kms": _kms,
    "lambda": _lambda,
    "logs": _logs,
}


def _header(response: Any, name: str) -> str | None:
    headers = response.headers
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def context(
    response: Any, signing_name: str, role_arn: str, session_arn: str, account: str, region: str
) -> dict[str, list[str]]:
    """Condition keys the request carries, lower-cased ("AWS global condition context keys"
    and the service's own). The local endpoint counts as secure transport, as it listens on
    loopback only."""
    keys = global_context(role_arn, account, region)
    keys["aws:userid"] = [session_arn.rsplit("/", 1)[-1]]
    if signing_name == "s3":
        query = parse_qs(urlparse(response.uri).query)
        for name in ("prefix", "delimiter", "max-keys"):
            if name in query:
                keys[f"s3:{name}"] = query[name][:1]
        for header in ("x-amz-server-side-encryption", "x-amz-acl", "x-amz-copy-source"):
            value = _header(response, header)
            if value:
                keys[f"s3:{header}"] = [value]
    return keys


def global_context(
    principal_arn: str, account: str, region: str, principal_type: str = "AssumedRole"
) -> dict[str, list[str]]:
    """The global condition keys the local cloud gives every request of a principal."""
    now = datetime.now(UTC)
    return {
        "aws:securetransport": ["true"],
        "aws:sourceip": ["127.0.0.1"],
        "aws:principalarn": [principal_arn],
        "aws:principalaccount": [account],
        # Every resource of the local cloud is in its one account.
        "aws:resourceaccount": [account],
        "aws:principaltype": [principal_type],
        "aws:requestedregion": [region],
        "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
    }


def resource_policy(signing_name: str, resource: str, account: str, region: str) -> Any:
    """The policy attached to the resource, for the kinds that have one here."""
    try:
        if signing_name == "s3" and resource.startswith("arn:aws:s3:::") and resource != "*":
            from moto.s3.models import s3_backends

            bucket = resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
            policy = s3_backends[account]["aws"].get_bucket(bucket).policy
            return json.loads(policy) if policy else None
        if signing_name == "sqs" and resource.startswith("arn:aws:sqs:"):
            from moto.sqs.models import sqs_backends

            queue = sqs_backends[account][region].get_queue(resource.rsplit(":", 1)[-1])
            return json.loads(queue.policy) if getattr(queue, "policy", None) else None
        if signing_name == "sns" and resource.startswith("arn:aws:sns:"):
            from moto.sns.models import sns_backends

            topic = sns_backends[account][region].get_topic(resource)
            return json.loads(topic.policy) if getattr(topic, "policy", None) else None
    except Exception:  # the resource does not exist: the operation itself will say so
        return None
    return None
