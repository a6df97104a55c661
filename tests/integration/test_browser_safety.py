"""What a web page in the user's browser can do to the local cloud: nothing.

Requests are sent as a browser would send them (raw HTTP with ``Origin``, ``Sec-Fetch-Site``
and ``Host`` headers), and each refusal is checked against the state it would have changed.
The same request without the browser's headers succeeds, so each refusal is the guard's.
"""

from __future__ import annotations

import http.client
import json
import stat
import uuid
from urllib.parse import urlsplit

import pytest

from glueline.cloud.settings import CloudSettings

pytestmark = pytest.mark.integration

FOREIGN_ORIGIN = "http://evil.example"
LOCAL_PAGE = "http://localhost:3000"


def send(
    cloud: CloudSettings,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> http.client.HTTPResponse:
    """One raw request; ``Host`` is the endpoint's unless ``headers`` say otherwise."""
    connection = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=10)
    all_headers = {"Host": urlsplit(cloud.endpoint_url).netloc, **(headers or {})}
    connection.request(method, path, body=body, headers=all_headers)
    response = connection.getresponse()
    response.read()
    return response


def form_upload(key: str, content: bytes) -> tuple[bytes, str]:
    """A browser's S3 POST form: multipart fields, then the file."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n{key}\r\n'.encode(),
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def bucket(aws) -> str:
    name = f"glueline-test-guard-{uuid.uuid4().hex[:8]}"
    aws("s3").create_bucket(Bucket=name)
    return name


def keys_in(aws, bucket: str) -> set[str]:
    return {entry["Key"] for entry in aws("s3").list_objects_v2(Bucket=bucket).get("Contents", [])}


@pytest.mark.parametrize("origin", [FOREIGN_ORIGIN, "null"])
def test_a_cross_origin_form_post_stores_nothing(local_cloud, aws, bucket, origin) -> None:
    body, content_type = form_upload("from-a-web-page.csv", b"a,b\n1,2\n")
    refused = send(
        local_cloud,
        "POST",
        f"/{bucket}",
        {"Origin": origin, "Content-Type": content_type, "Sec-Fetch-Site": "cross-site"},
        body,
    )
    assert refused.status == 403
    assert refused.getheader("Access-Control-Allow-Origin") is None
    assert "from-a-web-page.csv" not in keys_in(aws, bucket)

    accepted = send(local_cloud, "POST", f"/{bucket}", {"Content-Type": content_type}, body)
    assert accepted.status in (200, 204)
    assert "from-a-web-page.csv" in keys_in(aws, bucket)
    aws("s3").delete_object(Bucket=bucket, Key="from-a-web-page.csv")


def test_a_cross_origin_put_cannot_overwrite_an_object(local_cloud, aws, bucket) -> None:
    aws("s3").put_object(Bucket=bucket, Key="job.py", Body=b"print('mine')")
    refused = send(
        local_cloud, "PUT", f"/{bucket}/job.py", {"Origin": FOREIGN_ORIGIN}, b"print('theirs')"
    )
    assert refused.status == 403
    assert aws("s3").get_object(Bucket=bucket, Key="job.py")["Body"].read() == b"print('mine')"


def test_a_preflight_from_a_foreign_origin_grants_nothing(local_cloud, bucket) -> None:
    response = send(
        local_cloud,
        "OPTIONS",
        f"/{bucket}/job.py",
        {"Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": "PUT"},
    )
    assert response.status == 403
    assert response.getheader("Access-Control-Allow-Origin") is None


def test_a_cross_site_navigation_cannot_call_a_query_api(local_cloud, aws) -> None:
    name = f"glueline-test-guard-{uuid.uuid4().hex[:8]}"
    path = f"/?Action=CreateQueue&QueueName={name}&Version=2012-11-05"
    refused = send(local_cloud, "GET", path, {"Sec-Fetch-Site": "cross-site"})
    assert refused.status == 403
    queues = aws("sqs").list_queues(QueueNamePrefix=name).get("QueueUrls", [])
    assert queues == []


def test_a_rebound_host_name_is_refused(local_cloud, aws, bucket) -> None:
    response = send(local_cloud, "GET", f"/{bucket}", {"Host": f"evil.example:{local_cloud.port}"})
    assert response.status == 403
    assert send(local_cloud, "GET", f"/{bucket}").status == 200


def test_a_page_served_from_localhost_is_granted_cors(local_cloud, bucket) -> None:
    preflight = send(
        local_cloud,
        "OPTIONS",
        f"/{bucket}/upload.csv",
        {
            "Origin": LOCAL_PAGE,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type,x-amz-date",
        },
    )
    assert preflight.status == 200
    assert preflight.getheader("Access-Control-Allow-Origin") == LOCAL_PAGE
    assert preflight.getheader("Access-Control-Allow-Headers") == "content-type,x-amz-date"
    listing = send(local_cloud, "GET", f"/{bucket}", {"Origin": LOCAL_PAGE})
    assert listing.status == 200
    assert listing.getheader("Access-Control-Allow-Origin") == LOCAL_PAGE


def test_responses_to_sdks_carry_no_cors_grant(local_cloud, bucket) -> None:
    response = send(local_cloud, "GET", f"/{bucket}")
    assert response.status == 200
    assert response.getheader("Access-Control-Allow-Origin") is None


def test_refusals_are_logged_with_the_reason(local_cloud, cloud_log) -> None:
    send(local_cloud, "DELETE", "/some-bucket", {"Origin": "http://logged.example"})
    assert "'http://logged.example' may not use the local cloud" in cloud_log()


def test_the_state_directory_is_private_to_the_user(local_cloud) -> None:
    mode = stat.S_IMODE(local_cloud.state_dir.stat().st_mode)
    assert mode == 0o700, oct(mode)


def test_refusal_bodies_explain_themselves(local_cloud) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", local_cloud.port, timeout=10)
    connection.request("GET", "/", headers={"Host": "localhost", "Origin": FOREIGN_ORIGIN})
    response = connection.getresponse()
    assert response.status == 403
    assert "GLUELINE_ALLOWED_ORIGINS" in json.loads(response.read())["message"]
