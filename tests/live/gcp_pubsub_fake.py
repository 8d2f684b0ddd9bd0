"""A local Pub/Sub Publisher (gRPC) answering the real google-cloud-pubsub PublisherClient."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

pytest.importorskip("google.cloud.pubsub_v1", reason="the [gcp] extra is not installed")

from google.cloud import pubsub_v1
from google.pubsub_v1 import PublishRequest, PublishResponse
from google.pubsub_v1.services.publisher.transports.grpc import PublisherGrpcTransport

from tests.gcp_fake import GrpcFake, Rpc, serving


class FakePublisher(GrpcFake):
    service = "google.pubsub.v1.Publisher"

    def __init__(self) -> None:
        self.messages: dict[str, list[Any]] = {}  # topic → PubsubMessage list
        super().__init__()

    def client(self) -> Any:
        # batch of one: a publish is sent at once, so .result() in the sink answers promptly
        return pubsub_v1.PublisherClient(
            batch_settings=pubsub_v1.types.BatchSettings(max_messages=1),
            transport=PublisherGrpcTransport(channel=self.channel()))

    def rpcs(self) -> Mapping[str, Rpc]:
        def publish(req: Any) -> Any:
            got = self.messages.setdefault(req.topic, [])
            start = len(got)
            got.extend(req.messages)
            return PublishResponse(message_ids=[str(start + i) for i in range(len(req.messages))])

        return {"Publish": Rpc(PublishRequest, PublishResponse, publish)}


@pytest.fixture
def pubsub() -> Iterator[FakePublisher]:
    yield from serving(FakePublisher())
