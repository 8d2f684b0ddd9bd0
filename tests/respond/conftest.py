"""Shared pieces of the response tests: a real moto server, the local gRPC IAM fake, config and state."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from scanner.config import Config
from scanner.detectors import parse_settings
from scanner.respond.aws import AwsAccess
from scanner.respond.engine import Clients, Responder
from scanner.state.sqlite import SqliteStore
from tests.aws_server import aws_endpoint, moto_server  # noqa: F401

OWN_ACCOUNT = "123456789012"  # moto's account for the fake credentials


def settings(text: str, tmp_path: Path) -> Config:
    path = tmp_path / "auditwarden.yaml"
    path.write_text(text)
    return parse_settings(text, str(path))


ENFORCE = "response:\n  mode: enforce\n  max_actions_per_hour: 10\n  min_severity: high\n  max_attempts: 3\n"


@pytest.fixture
def iam(aws_endpoint: str) -> Any:  # noqa: F811
    return boto3.client("iam")


@pytest.fixture
def make_user(iam: Any) -> Callable[[str], str]:
    """A user with one active access key; returns the key ID."""

    def make(name: str) -> str:
        iam.create_user(UserName=name)
        return str(iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"])

    return make


def key_status(iam: Any, user: str, key: str) -> str:
    return str(next(k["Status"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
                    if k["AccessKeyId"] == key))


@pytest.fixture
def responder(tmp_path: Path, aws_endpoint: str) -> Callable[..., Responder]:  # noqa: F811
    """A responder on a SQLite state file, with its own AwsAccess (reachable as .clients.aws)."""

    def make(config_text: str = ENFORCE, *, execute: bool = True, state: str | None = None,
             gcp_iam: Any = None, log: list[Any] | None = None) -> Responder:
        config = settings(config_text, tmp_path)
        store = SqliteStore(state or str(tmp_path / "state.sqlite"))
        clients = Clients(aws=AwsAccess(config.response), gcp_iam=gcp_iam)
        return Responder(config, store, execute=execute, clients=clients,
                         log=log.append if log is not None else None)

    return make
