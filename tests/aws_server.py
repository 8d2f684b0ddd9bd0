"""A real AWS API for tests: moto's ThreadedMotoServer on 127.0.0.1, shared by every test that needs AWS.

Use it from a conftest.py (fixtures are found where they are imported):

    from tests.aws_server import aws_endpoint, moto_server  # noqa: F401

`aws_endpoint` yields the server URL and points every boto3 client made during the test at it
(AWS_ENDPOINT_URL, fake credentials, a region); the server's state is reset before each test so
tests do not see each other's buckets. Nothing here ever reaches the internet. A test that wants
AWS-managed IAM policies sets `MOTO_IAM_LOAD_MANAGED_POLICIES=true` with monkeypatch before its
first IAM call (moto reads it when it builds the IAM backend).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer

REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One server per test session, on a free port of the loopback interface."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_endpoint(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The moto server URL, with the environment set so boto3 uses it and nothing else."""
    req = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(req, timeout=10):
        pass
    nowhere = tmp_path_factory.mktemp("aws-config") / "none"  # no user profile or credentials leak in
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN",
                "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return moto_server
