"""AUDITWARDEN_CONFIG from every store a deployment may keep it in, each against a local server."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from pytest_httpserver import HTTPServer

from scanner.config import ConfigClients
from scanner.detectors import load_settings
from tests.aws_server import aws_endpoint, moto_server  # noqa: F401
from tests.gcp_fake import GrpcFake, Rpc, serving

YAML = "detectors: {rules: false}\nresponse: {mode: enforce}\n"


def test_ssm_parameter(aws_endpoint: str) -> None:  # noqa: F811
    boto3.client("ssm").put_parameter(Name="/auditwarden/config", Value=YAML, Type="SecureString")
    cfg = load_settings("ssm:/auditwarden/config")
    assert cfg.response.mode == "enforce" and not cfg.detector_enabled("rules")


def test_aws_secrets_manager(aws_endpoint: str) -> None:  # noqa: F811
    boto3.client("secretsmanager").create_secret(Name="auditwarden-config", SecretString=YAML)
    assert load_settings("secretsmanager:auditwarden-config").response.mode == "enforce"


def test_gcs_object(httpserver: HTTPServer) -> None:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    httpserver.expect_request("/download/storage/v1/b/acme-sec/o/auditwarden.yaml").respond_with_data(YAML)
    client = storage.Client(project="acme-sec", credentials=AnonymousCredentials(),
                            client_options={"api_endpoint": httpserver.url_for("")})
    cfg = load_settings("gs://acme-sec/auditwarden.yaml", ConfigClients(gcs=lambda: client))
    assert cfg.response.mode == "enforce" and cfg.source == "gs://acme-sec/auditwarden.yaml"


class FakeSecretManager(GrpcFake):
    service = "google.cloud.secretmanager.v1.SecretManagerService"

    def __init__(self) -> None:
        self.secrets: dict[str, bytes] = {}
        super().__init__()

    def rpcs(self) -> Mapping[str, Rpc]:
        from google.cloud import secretmanager

        def access(req: Any) -> Any:
            return secretmanager.AccessSecretVersionResponse(
                name=req.name, payload=secretmanager.SecretPayload(data=self.secrets[req.name]))

        return {"AccessSecretVersion": Rpc(secretmanager.AccessSecretVersionRequest,
                                           secretmanager.AccessSecretVersionResponse, access)}

    def client(self) -> Any:
        from google.cloud import secretmanager
        from google.cloud.secretmanager_v1.services.secret_manager_service.transports.grpc import (
            SecretManagerServiceGrpcTransport,
        )

        return secretmanager.SecretManagerServiceClient(
            transport=SecretManagerServiceGrpcTransport(channel=self.channel()))


@pytest.fixture
def secret_manager() -> Iterator[FakeSecretManager]:
    yield from serving(FakeSecretManager())


def test_gcp_secret_manager_latest_version(secret_manager: FakeSecretManager) -> None:
    secret_manager.secrets["projects/acme-sec/secrets/auditwarden/versions/latest"] = YAML.encode()
    cfg = load_settings("secretmanager:projects/acme-sec/secrets/auditwarden",
                        ConfigClients(secretmanager=secret_manager.client))
    assert cfg.response.mode == "enforce"


def test_unreachable_store_names_the_location(secret_manager: FakeSecretManager) -> None:
    from scanner.yamlio import YamlError

    with pytest.raises(YamlError, match=r"secretmanager:projects/acme-sec/secrets/missing.*cannot fetch"):
        load_settings("secretmanager:projects/acme-sec/secrets/missing",
                      ConfigClients(secretmanager=secret_manager.client))
