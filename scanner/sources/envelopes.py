"""Auto-detection of every envelope audit logs travel in, down to raw CloudTrail / LogEntry records.

`unwrap` takes one parsed JSON document and yields what it holds. Envelopes nest (SQS carrying SNS
carrying an S3 notification), so it recurses, with a depth cap because the input is untrusted.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote_plus

import orjson

from scanner.sources.limits import Limits
from scanner.sources.records import (
    CLOUDTRAIL,
    EVENTBRIDGE,
    GCP_LOGENTRY,
    Item,
    RawRecord,
    Rejected,
    Skipped,
    sample_of,
)

#: Reads an S3 object named by a notification and yields its items (None: reading S3 is not possible here).
ObjectReader = Callable[[str, str, str], Iterator[Item]]


def _is_cloudtrail_record(d: Mapping[str, Any]) -> bool:
    return "eventSource" in d and "eventName" in d and ("eventVersion" in d or "eventID" in d)


def _contained_cloudtrail(d: Any) -> bool:
    """A record found where only CloudTrail records live (`Records`, a lookup-events `CloudTrailEvent`,
    EventBridge `detail`): eventSource and eventName are enough. Partial and re-exported logs drop
    eventVersion and eventID; such a record can still be judged (normalize gives it a stable id).
    S3/SQS notifications also sit in `Records` but name their source `aws:s3`, `aws:sqs`."""
    if type(d) is not dict:
        return False
    es, en = d.get("eventSource"), d.get("eventName")
    return (type(es) is str and type(en) is str and bool(es) and bool(en) and not es.startswith("aws:")
            and "detail-type" not in d)


def _plain_kind(d: dict[str, Any]) -> str:
    """CLOUDTRAIL or GCP_LOGENTRY for the two bare shapes that make up nearly all input, else "".

    Checked first so the common case skips the envelope dispatch (and a generator frame per record);
    anything unusual, including wrong types, takes the full path below and is judged there.
    """
    es = d.get("eventSource")
    if (type(es) is str and not es.startswith("aws:") and "eventName" in d and "detail-type" not in d
            and ("eventVersion" in d or "eventID" in d)):
        return CLOUDTRAIL
    if "protoPayload" in d and "insertId" in d:
        return GCP_LOGENTRY
    return ""


def _is_logentry(d: Mapping[str, Any]) -> bool:
    return "protoPayload" in d or ("logName" in d and "insertId" in d)


def _is_pubsub_type(t: Any) -> bool:
    return isinstance(t, str) and "PubsubMessage" in t


#: SNS messages that are part of subscribing an endpoint, not payloads.
_SNS_HANDSHAKES = frozenset({"SubscriptionConfirmation", "UnsubscribeConfirmation"})


def json_error_reason(e: orjson.JSONDecodeError) -> str:
    """orjson refuses nesting deeper than 1024 levels; say so rather than calling it not JSON."""
    return "too_deep" if "depth limit" in str(e) or "recursion" in str(e) else "not_json"


def _b64_json(data: Any, origin: str, limits: Limits) -> Any:
    if not isinstance(data, str):
        raise ValueError("payload data is not a base64 string")
    if len(data) > limits.max_line_bytes * 2:
        raise ValueError("payload exceeds max_line_bytes")
    raw = base64.b64decode(data, validate=False)
    return orjson.loads(raw)


def _gunzip_capped(raw: bytes, cap: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(raw, cap + 1)
    if len(out) > cap:
        raise ValueError(f"decompressed payload exceeds {cap} bytes")
    if not d.eof:
        raise ValueError("truncated gzip payload")
    return out


def unwrap(
    doc: Any,
    origin: str,
    limits: Limits,
    read_object: ObjectReader | None = None,
    depth: int = 0,
) -> Iterator[Item]:
    """Yield every record, rejection or deliberate skip found in one parsed JSON document."""
    if depth > limits.max_envelope_depth:
        yield Rejected(origin, "envelope_too_deep", f"more than {limits.max_envelope_depth} nested envelopes")
        return
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from unwrap(item, f"{origin}[{i}]", limits, read_object, depth + 1)
        return
    if not isinstance(doc, dict):
        yield Rejected(origin, "unknown_format", f"a JSON {type(doc).__name__} is not an audit record")
        return
    yield from _unwrap_object(doc, origin, limits, read_object, depth)


def _unwrap_object(
    d: dict[str, Any],
    origin: str,
    limits: Limits,
    read_object: ObjectReader | None,
    depth: int,
) -> Iterator[Item]:
    kind = _plain_kind(d)
    if kind:
        yield RawRecord(kind, d, origin)
        return
    nxt = depth + 1
    # --- AWS ---------------------------------------------------------------------------------
    # SQS and SNS records as Lambda receives them carry no eventName: test them before CloudTrail.
    if d.get("eventSource") == "aws:sqs" and "body" in d:
        yield from _sqs_message(d, origin, limits, read_object, nxt)
        return
    if d.get("EventSource") == "aws:sns" and isinstance(d.get("Sns"), dict):
        yield from unwrap(d["Sns"], origin + "#Sns", limits, read_object, nxt)
        return
    if _is_cloudtrail_record(d) and "detail-type" not in d:
        if d.get("eventSource") == "aws:s3" and isinstance(d.get("s3"), dict):
            yield from _s3_notification(d, origin, limits, read_object, nxt)
        else:
            yield RawRecord(CLOUDTRAIL, d, origin)
        return
    records = d.get("Records")
    if isinstance(records, list):
        for i, rec in enumerate(records):
            kind = _plain_kind(rec) if type(rec) is dict else ""
            if not kind and _contained_cloudtrail(rec):
                kind = CLOUDTRAIL
            if kind:
                yield RawRecord(kind, rec, f"{origin}#Records[{i}]")
            else:
                yield from unwrap(rec, f"{origin}#Records[{i}]", limits, read_object, nxt)
        return
    if "digestPublicKeyFingerprint" in d or "digestS3Object" in d:
        yield Skipped(origin, "cloudtrail_digest")
        return
    if "awslogs" in d:
        yield from _cwl_encoded(d["awslogs"], origin, limits, read_object, nxt)
        return
    if "messageType" in d and "logEvents" in d:
        yield from _cwl_decoded(d, origin, limits, read_object, nxt)
        return
    if "detail-type" in d and "detail" in d:
        detail = d["detail"]
        if d.get("source") == "aws.s3" and d.get("detail-type") == "Object Created" and isinstance(detail, dict):
            yield from _s3_eventbridge(detail, origin, read_object)
        elif isinstance(detail, dict) and (_is_cloudtrail_record(detail) or _contained_cloudtrail(detail)):
            yield RawRecord(CLOUDTRAIL, detail, origin)
        elif isinstance(detail, dict):
            yield RawRecord(EVENTBRIDGE, d, origin)
        else:
            yield Rejected(origin, "bad_envelope", "EventBridge 'detail' is not an object")
        return
    if "CloudTrailEvent" in d:  # `aws cloudtrail lookup-events` item
        yield from _embedded_json(d["CloudTrailEvent"], origin + "#CloudTrailEvent", limits, read_object, nxt,
                                  cloudtrail_only=True)
        return
    events = d.get("Events")
    if isinstance(events, list) and all(isinstance(e, dict) and "CloudTrailEvent" in e for e in events):
        for i, ev in enumerate(events):
            yield from unwrap(ev, f"{origin}#Events[{i}]", limits, read_object, nxt)
        return
    if d.get("Type") == "Notification" and "Message" in d:  # SNS
        yield from _embedded_json(d["Message"], origin + "#Message", limits, read_object, nxt)
        return
    sns_type = d.get("Type")
    if isinstance(sns_type, str) and sns_type in _SNS_HANDSHAKES and "Message" in d:
        yield Skipped(origin, "sns_subscription_message")
        return
    if isinstance(d.get("s3Bucket"), str) and isinstance(d.get("s3ObjectKey"), list):
        # CloudTrail's own SNS notice of a delivered log file (CloudTrail → SNS → SQS → reader)
        for i, key in enumerate(d["s3ObjectKey"]):
            if isinstance(key, str) and key:
                yield from _read_notified_object(d["s3Bucket"], key, f"{origin}#s3ObjectKey[{i}]", read_object)
            else:
                yield Rejected(f"{origin}#s3ObjectKey[{i}]", "bad_envelope", "s3ObjectKey entry is not a key")
        return
    if d.get("Event") == "s3:TestEvent":  # S3 sends it once when a notification is configured
        yield Skipped(origin, "s3_test_event")
        return
    messages = d.get("Messages")  # `aws sqs receive-message` output
    if isinstance(messages, list) and messages and all(isinstance(m, dict) and "Body" in m for m in messages):
        for i, m in enumerate(messages):
            where = f"{origin}#Messages[{i}]"
            yield from _embedded_json(m["Body"], where, limits, read_object, nxt)
        return
    # --- GCP ---------------------------------------------------------------------------------
    if _is_logentry(d):
        yield RawRecord(GCP_LOGENTRY, d, origin)
        return
    if "specversion" in d and "data" in d:  # CloudEvent (structured mode)
        yield from _cloudevent(d, origin, limits, read_object, nxt)
        return
    msg = d.get("message")
    if isinstance(msg, dict) and "data" in msg:  # Pub/Sub push / MessagePublishedData
        yield from _pubsub_data(msg["data"], origin + "#message.data", limits, read_object, nxt)
        return
    ev = d.get("event")
    if isinstance(ev, dict) and "data" in ev and _is_pubsub_type(ev.get("@type")):
        yield from _pubsub_data(ev["data"], origin + "#event.data", limits, read_object, nxt)
        return
    if _is_pubsub_type(d.get("@type")) and "data" in d:  # gen1 background event, bare
        yield from _pubsub_data(d["data"], origin + "#data", limits, read_object, nxt)
        return
    if "entries" in d and isinstance(d["entries"], list):  # logging API entries.list response
        for i, e in enumerate(d["entries"]):
            yield from unwrap(e, f"{origin}#entries[{i}]", limits, read_object, nxt)
        return
    keys = sample_of(str(list(d)[:8]))
    yield Rejected(origin, "unknown_format", "object matches no known audit-log shape", keys)


def _embedded_json(
    text: Any, origin: str, limits: Limits, read_object: ObjectReader | None, depth: int,
    cloudtrail_only: bool = False,
) -> Iterator[Item]:
    if isinstance(text, dict):  # some tools already decoded it
        if cloudtrail_only and _contained_cloudtrail(text):
            yield RawRecord(CLOUDTRAIL, text, origin)
        else:
            yield from unwrap(text, origin, limits, read_object, depth)
        return
    if not isinstance(text, str):
        yield Rejected(origin, "bad_envelope", "embedded payload is neither a JSON string nor an object")
        return
    try:
        inner = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        yield Rejected(origin, json_error_reason(e), str(e), sample_of(text))
        return
    if cloudtrail_only and _contained_cloudtrail(inner):
        yield RawRecord(CLOUDTRAIL, inner, origin)
        return
    yield from unwrap(inner, origin, limits, read_object, depth)


def _cwl_encoded(
    awslogs: Any, origin: str, limits: Limits, read_object: ObjectReader | None, depth: int
) -> Iterator[Item]:
    data = awslogs.get("data") if isinstance(awslogs, dict) else None
    if not isinstance(data, str):
        yield Rejected(origin, "bad_envelope", "awslogs.data missing or not a string")
        return
    try:
        raw = base64.b64decode(data, validate=False)
        decoded = orjson.loads(_gunzip_capped(raw, limits.max_line_bytes))
    except (binascii.Error, ValueError, zlib.error) as e:
        yield Rejected(origin, "bad_cwl_payload", str(e), sample_of(data))
        return
    yield from unwrap(decoded, origin + "#awslogs", limits, read_object, depth)


def _cwl_decoded(
    d: dict[str, Any], origin: str, limits: Limits, read_object: ObjectReader | None, depth: int
) -> Iterator[Item]:
    if d.get("messageType") == "CONTROL_MESSAGE":
        yield Skipped(origin, "cwl_control_message")
        return
    events = d.get("logEvents")
    if not isinstance(events, list):
        yield Rejected(origin, "bad_envelope", "logEvents is not a list")
        return
    for i, le in enumerate(events):
        where = f"{origin}#logEvents[{i}]"
        msg = le.get("message") if isinstance(le, dict) else None
        yield from _embedded_json(msg, where, limits, read_object, depth)


def _s3_notification(
    d: dict[str, Any], origin: str, limits: Limits, read_object: ObjectReader | None, depth: int
) -> Iterator[Item]:
    s3 = d["s3"]
    bucket, key = _name_of(s3.get("bucket"), "name"), _name_of(s3.get("object"), "key")
    if not bucket or not key:
        yield Rejected(origin, "bad_envelope", "S3 notification without bucket name or object key")
        return
    name = d.get("eventName")
    if not (isinstance(name, str) and name.startswith("ObjectCreated")):
        yield Skipped(origin, "s3_notification_not_object_created")
        return
    # Keys in notifications are URL-encoded (spaces as '+').
    yield from _read_notified_object(bucket, unquote_plus(key), origin, read_object)


def _s3_eventbridge(detail: dict[str, Any], origin: str, read_object: ObjectReader | None) -> Iterator[Item]:
    """S3 "Object Created" delivered through EventBridge: the same notification, another envelope."""
    bucket, key = _name_of(detail.get("bucket"), "name"), _name_of(detail.get("object"), "key")
    if not bucket or not key:
        yield Rejected(origin, "bad_envelope", "S3 'Object Created' event without bucket name or object key")
        return
    yield from _read_notified_object(bucket, key, origin, read_object)


def _name_of(obj: Any, field: str) -> str:
    v = obj.get(field) if isinstance(obj, dict) else None
    return v if isinstance(v, str) else ""


def _read_notified_object(bucket: str, key: str, origin: str, read_object: ObjectReader | None) -> Iterator[Item]:
    if "CloudTrail-Digest" in key:
        yield Skipped(f"s3://{bucket}/{key}", "cloudtrail_digest")
        return
    if read_object is None:
        yield Rejected(origin, "s3_unavailable", f"cannot read s3://{bucket}/{key} without an S3 client")
        return
    yield from read_object(bucket, key, origin)


def _sqs_message(
    d: dict[str, Any], origin: str, limits: Limits, read_object: ObjectReader | None, depth: int
) -> Iterator[Item]:
    mid = d.get("messageId")
    where = f"{origin}#sqs:{mid if isinstance(mid, str) else '?'}"
    yield from _embedded_json(d.get("body"), where, limits, read_object, depth)


def _cloudevent(
    d: dict[str, Any], origin: str, limits: Limits, read_object: ObjectReader | None, depth: int
) -> Iterator[Item]:
    data = d["data"]
    ce_type = d.get("type")
    ce_type = ce_type if isinstance(ce_type, str) else ""
    if isinstance(data, str) and "audit.log" in ce_type:  # binary-ish: data as base64 LogEntry
        yield from _pubsub_data(data, origin + "#data", limits, read_object, depth)
        return
    yield from unwrap(data, origin + "#data", limits, read_object, depth)


def _pubsub_data(
    data: Any, origin: str, limits: Limits, read_object: ObjectReader | None, depth: int
) -> Iterator[Item]:
    try:
        inner = _b64_json(data, origin, limits)
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as e:
        # repr() of attacker-controlled nesting can itself blow the stack: name the type instead.
        sample = data if isinstance(data, str) else f"<{type(data).__name__}>"
        yield Rejected(origin, "bad_pubsub_payload", str(e), sample_of(sample))
        return
    yield from unwrap(inner, origin, limits, read_object, depth)


def gunzip_payload(raw: bytes, cap: int) -> bytes:
    """Public for handlers that receive gzip bytes directly."""
    return _gunzip_capped(raw, cap) if raw[:2] == b"\x1f\x8b" else raw


__all__ = ["ObjectReader", "gunzip_payload", "json_error_reason", "unwrap"]
