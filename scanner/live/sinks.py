"""Configured sink specs → sink objects (clients made on first use, once per runtime)."""

from __future__ import annotations

from scanner.live.clients import Clients
from scanner.live.settings import SinkSpec
from scanner.sinks.base import Sink
from scanner.sinks.pubsub import PubsubSink
from scanner.sinks.sns import SnsSink
from scanner.sinks.stdout import StdoutSink
from scanner.sinks.webhook import WebhookSink


def build_sink(spec: SinkSpec, clients: Clients) -> Sink:
    o = spec.options
    if spec.type == "sns":
        return SnsSink(clients.sns(), str(o["topic_arn"]))
    if spec.type == "pubsub":
        return PubsubSink(clients.pubsub(), str(o["topic"]))
    if spec.type == "webhook":
        return WebhookSink(str(o["url"]), str(o.get("format", "json")), float(o.get("timeout_seconds", 10)))
    return StdoutSink()
