"""Findings to a Pub/Sub topic (JSON data, severity and rule as attributes); also the GCP dead-letter door."""

from __future__ import annotations

from typing import Any

import orjson

from scanner.model.finding import Finding


class PubsubSink:
    def __init__(self, publisher: Any, topic: str, timeout_seconds: float = 30.0) -> None:
        self._publisher = publisher  # google.cloud.pubsub_v1.PublisherClient
        self._topic = topic
        self._timeout = timeout_seconds

    def publish(self, data: bytes, **attributes: str) -> None:
        # .result() waits for the server's answer: a return means the message is stored.
        self._publisher.publish(self._topic, data, **attributes).result(timeout=self._timeout)

    def send(self, finding: Finding) -> None:
        self.publish(orjson.dumps(finding.to_dict()), severity=finding.severity, rule=finding.rule,
                     category=finding.category)
