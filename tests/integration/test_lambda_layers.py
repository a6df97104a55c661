"""Lambda layers: a function imports code that only its layer carries.

AWS unpacks layers under ``/opt``, where ``python/`` is on the Python path and
``nodejs/node_modules`` on Node's; the local executor gives each layer the same place.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.integration

PYTHON_LAYER_MODULE = """
def greet(name):
    return f"hello {name} from a layer"
"""

PYTHON_HANDLER = """
from greetings import greet


def handler(event, context):
    return greet(event["name"])
"""

NODE_LAYER_MODULE = """
exports.greet = (name) => `hello ${name} from a layer`;
"""

NODE_HANDLER = """
const { greet } = require("greetings");
exports.handler = async (event) => greet(event.name);
"""


def publish_layer(aws: Callable[[str], Any], name: str, files: dict[str, str]) -> str:
    """Publish a layer from source files; returns its version ARN."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path, source in files.items():
            zipped.writestr(path, source)
    layer = aws("lambda").publish_layer_version(
        LayerName=name, Content={"ZipFile": archive.getvalue()}
    )
    return layer["LayerVersionArn"]


def invoke(aws: Callable[[str], Any], function: str, event: dict[str, Any]) -> dict[str, Any]:
    """The Invoke response with its payload decoded."""
    response = aws("lambda").invoke(FunctionName=function, Payload=json.dumps(event))
    return {**response, "Payload": json.loads(response["Payload"].read())}


def test_a_python_function_imports_a_module_from_its_layer(
    aws: Callable[[str], Any], create_function: Callable[..., str]
) -> None:
    layer = publish_layer(
        aws, "greetings-python", {"python/greetings/__init__.py": PYTHON_LAYER_MODULE}
    )
    create_function("layered-python", {"index.py": PYTHON_HANDLER}, "index.handler", Layers=[layer])

    response = invoke(aws, "layered-python", {"name": "Ada"})

    assert "FunctionError" not in response, response["Payload"]
    assert response["Payload"] == "hello Ada from a layer"


def test_without_the_layer_the_same_function_cannot_import_it(
    aws: Callable[[str], Any], create_function: Callable[..., str]
) -> None:
    """The module really comes from the layer, not from anywhere else on the path."""
    create_function("unlayered-python", {"index.py": PYTHON_HANDLER}, "index.handler")

    response = invoke(aws, "unlayered-python", {"name": "Ada"})

    assert response["FunctionError"] == "Unhandled"
    assert "No module named 'greetings'" in response["Payload"]["errorMessage"]


def test_a_nodejs_function_requires_a_package_from_its_layer(
    aws: Callable[[str], Any], create_function: Callable[..., str]
) -> None:
    layer = publish_layer(
        aws, "greetings-node", {"nodejs/node_modules/greetings/index.js": NODE_LAYER_MODULE}
    )
    create_function(
        "layered-node",
        {"index.js": NODE_HANDLER},
        "index.handler",
        Runtime="nodejs20.x",
        Layers=[layer],
    )

    response = invoke(aws, "layered-node", {"name": "Grace"})

    assert "FunctionError" not in response, response["Payload"]
    assert response["Payload"] == "hello Grace from a layer"
