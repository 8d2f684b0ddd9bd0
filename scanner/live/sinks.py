"""Configured sink specs → sink objects (clients made on first use, once per runtime).

Each sink module is imported only when configured: a deployment without webhooks never loads
urllib's HTTP stack at cold start.
"""

from __future__ import annotations

from scanner.live.clients import Clients
from scanner.live.settings import SinkSpec
from scanner.sinks.base import Sink


def build_sink(spec: SinkSpec, clients: Clients) -> Sink:
    o = spec.options
    if spec.type == "sns":
        from scanner.sinks.sns import SnsSink

        return SnsSink(clients.sns(), str(o["topic_arn"]))
    if spec.type == "pubsub":
        from scanner.sinks.pubsub import PubsubSink

        return PubsubSink(clients.pubsub(), str(o["topic"]))
    if spec.type == "webhook":
        from scanner.sinks.webhook import WebhookSink

        return WebhookSink(str(o["url"]), str(o.get("format", "json")), float(o.get("timeout_seconds", 10)))
    from scanner.sinks.stdout import StdoutSink

    return StdoutSink()
