"""Every cloud client the event functions use, as factories: the defaults import their SDK on first use
(a Lambda that never publishes to Pub/Sub never imports it); tests pass clients aimed at local servers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scanner.config import ConfigClients

Factory = Callable[[], Any]


def _boto3(service: str) -> Factory:
    def make() -> Any:
        import boto3

        return boto3.client(service)

    return make


def _publisher() -> Any:
    from google.cloud import pubsub_v1

    return pubsub_v1.PublisherClient()


def _firestore() -> Any:
    from google.cloud import firestore

    return firestore.Client()


@dataclass(frozen=True, slots=True)
class Clients:
    s3: Factory = _boto3("s3")
    sns: Factory = _boto3("sns")
    dynamodb: Factory = _boto3("dynamodb")
    pubsub: Factory = _publisher
    firestore: Factory = _firestore
    config: ConfigClients = ConfigClients()
