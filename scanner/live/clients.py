"""Every cloud client the event functions use, as factories: the defaults import their SDK on first use
(a Lambda that never publishes to Pub/Sub never imports it); tests pass clients aimed at local servers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.config import ConfigClients

Factory = Callable[[], Any]


def _s3() -> Any:
    import boto3

    return boto3.client("s3")


def _sns() -> Any:
    import boto3

    return boto3.client("sns")


def _dynamodb() -> Any:
    import boto3

    return boto3.client("dynamodb")


def _publisher() -> Any:
    from google.cloud import pubsub_v1  # type: ignore[attr-defined]  # (no type information shipped)

    return pubsub_v1.PublisherClient()


def _firestore() -> Any:
    from google.cloud import firestore

    return firestore.Client()


@dataclass(frozen=True, slots=True)
class Clients:
    s3: Factory = _s3
    sns: Factory = _sns
    dynamodb: Factory = _dynamodb
    pubsub: Factory = _publisher
    firestore: Factory = _firestore
    config: ConfigClients = field(default_factory=ConfigClients)
