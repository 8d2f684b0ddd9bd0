"""Cloud Function (gen2) entry point `receive`: a CloudEvent function run by functions-framework.

Events: Pub/Sub `messagePublished` (log sink → topic → Eventarc) and Eventarc direct audit-log events
(`google.cloud.audit.log.v1.written`). Cloud Scheduler's nightly job publishes a message with the
attribute `auditwarden=nightly` to the same topic.

A poison message (nothing in it decodes, or part of it does not) must not loop: it is published to
AUDITWARDEN_DEAD_LETTER_TOPIC and acknowledged. Only a failure that a retry can fix (a sink down, the
dead-letter topic unreachable) raises, so the platform redelivers — and the subscription's own
dead-letter policy bounds even that.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import functions_framework
import orjson

from scanner.handlers.env import runtime
from scanner.live.metrics import gcp_line, write_line
from scanner.live.runtime import Runtime, UnitResult

NIGHTLY_ATTRIBUTE = ("auditwarden", "nightly")


class DeliveryFailed(Exception):
    """Raised so functions-framework answers 500 and Pub/Sub / Eventarc redelivers."""


def _as_dict(cloud_event: Any) -> dict[str, Any]:
    """The structured-mode CloudEvent document the trunk's decoders read."""
    attrs = dict(cloud_event.get_attributes()) if hasattr(cloud_event, "get_attributes") else dict(cloud_event)
    attrs.pop("data", None)
    data = cloud_event.data if hasattr(cloud_event, "data") else cloud_event.get("data")
    if isinstance(data, bytes | bytearray):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError:
            data = base64.b64encode(bytes(data)).decode("ascii")
    return {**attrs, "data": data}


def _is_nightly(doc: Mapping[str, Any]) -> bool:
    data = doc.get("data")
    msg = data.get("message") if isinstance(data, dict) else None
    if not isinstance(msg, dict):
        return False
    attrs = msg.get("attributes")
    if isinstance(attrs, dict) and attrs.get(NIGHTLY_ATTRIBUTE[0]) == NIGHTLY_ATTRIBUTE[1]:
        return True
    try:
        body = orjson.loads(base64.b64decode(str(msg.get("data", "")), validate=False))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return False
    return isinstance(body, dict) and body.get(NIGHTLY_ATTRIBUTE[0]) == NIGHTLY_ATTRIBUTE[1]


def _dead_letter(rt: Runtime, doc: Mapping[str, Any], result: UnitResult) -> None:
    from scanner.sinks.pubsub import PubsubSink

    reasons = sorted({r.reason for r in result.rejected})
    sink = PubsubSink(rt.clients.pubsub(), rt.options.dead_letter_topic)
    try:
        sink.publish(orjson.dumps(doc), reasons=",".join(reasons)[:1024], origin=str(doc.get("id", ""))[:1024])
    except Exception as e:  # not stored anywhere yet: the platform must redeliver it
        raise DeliveryFailed(f"dead-letter topic unreachable ({type(e).__name__}); the message comes back") from None


def handle_cloud_event(cloud_event: Any, rt: Runtime) -> dict[str, Any]:
    doc = _as_dict(cloud_event)
    if _is_nightly(doc):
        summary, inv = rt.nightly()
        write_line(gcp_line(inv))
        return {"nightly": summary}
    trigger = "audit_log" if "audit.log" in str(doc.get("type", "")) else "pubsub"
    results, inv = rt.run([(str(doc.get("id", "event")), doc)], trigger)
    (result,) = results
    dead_lettered = False
    if not result.ok and not result.error and rt.options.dead_letter_topic:
        _dead_letter(rt, doc, result)  # poison: park it and acknowledge, never loop on it
        dead_lettered = True
    line = gcp_line(inv)
    line["dead_lettered_message"] = dead_lettered
    write_line(line)
    if not result.ok and not dead_lettered:
        raise DeliveryFailed(result.error or "message not fully processed: redelivered until the subscription "
                             "dead-letters it")
    return {"events": inv.events_in, "findings": sum(inv.findings.values()), "dead_lettered": dead_lettered}


@functions_framework.cloud_event
def receive(cloud_event: Any) -> None:
    handle_cloud_event(cloud_event, runtime())
