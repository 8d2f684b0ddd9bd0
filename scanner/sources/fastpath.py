"""Selective decoding: read only the fields the dispatch needs, parse a record whole only when wanted.

About nine in ten audit records match no detector. Parsing each into Python dicts just to look at
four fields costs more than the rest of the scan; msgspec Structs decode those few fields (and skip
the rest in C) several times faster than a full parse. A record some detector wants is then parsed
whole with orjson, exactly as the full path would.

One code path for correctness: the fast path handles only the two plain shapes that make up nearly
all input (a CloudTrail object `{"Records": [...]}` of bare records, and NDJSON LogEntries with an
AuditLog payload), and only when every field it reads has the expected type. Anything else, or any
decoding trouble, returns None and the full path (orjson + `unwrap`) judges the input as before; a
test runs both paths over every fixture and requires the same items.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from scanner.normalize.aws_names import strip_version_suffix
from scanner.normalize.gcp import POLICY_DENIED, is_policy_log, principal_type
from scanner.sources.records import CLOUDTRAIL, GCP_LOGENTRY, UNWANTED, RawRecord, Unwanted

QuickKey = tuple[str, str, str, str]
#: Whether records of a quick key are wanted: yes, no, or a check of the record's bytes (a record some
#: detector is interested in only when a few of its fields hold, see sources/projection.py).
WantKey = Callable[[QuickKey], "bool | Callable[[Any], bool]"]

_ABSENT = msgspec.UNSET
_NO_RAW = msgspec.Raw(b"")


class _Container(msgspec.Struct, forbid_unknown_fields=True):
    Records: list[msgspec.Raw]


class _Trail(msgspec.Struct):
    eventSource: Any = _ABSENT
    eventName: Any = _ABSENT
    eventVersion: Any = _ABSENT
    eventID: Any = _ABSENT
    userIdentity: Any = None
    detail_type: Any = msgspec.field(default=_ABSENT, name="detail-type")


class _Auth(msgspec.Struct):
    principalEmail: Any = None
    principalSubject: Any = None


class _Meta(msgspec.Struct):
    mapped_principal: Any = None


class _Payload(msgspec.Struct):
    serviceName: Any = None
    methodName: Any = None
    authenticationInfo: _Auth | None = None
    metadata: msgspec.Raw = _NO_RAW


class _Entry(msgspec.Struct):
    insertId: Any = _ABSENT
    logName: Any = None
    protoPayload: msgspec.Raw = _NO_RAW
    eventSource: Any = _ABSENT


_container = msgspec.json.Decoder(_Container)
_trail = msgspec.json.Decoder(_Trail)
_entry = msgspec.json.Decoder(_Entry)
_payload = msgspec.json.Decoder(_Payload)
_meta = msgspec.json.Decoder(_Meta)

_DECODE_ERRORS = (msgspec.DecodeError, RecursionError, orjson.JSONDecodeError)


def _valid_text(doc: bytes) -> bool:
    # msgspec does not check the UTF-8 of the parts it skips; orjson refuses invalid UTF-8 anywhere.
    # Input the full path would refuse must reach the full path.
    if doc.isascii():
        return True
    try:
        doc.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text(v: Any) -> str | None:
    """A field as the quick key reads it (scalar_text); None where the full path must judge it."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, int | float | bool):
        return str(v)
    return None


def _trail_key(raw: msgspec.Raw) -> QuickKey | None:
    """The quick key of a bare CloudTrail record, or None when it is anything else."""
    t = _trail.decode(raw)
    es, name = t.eventSource, t.eventName
    if (type(es) is not str or es.startswith("aws:") or type(name) is not str or t.detail_type is not _ABSENT
            or (t.eventVersion is _ABSENT and t.eventID is _ABSENT)):
        return None
    ui = t.userIdentity
    if ui is None:
        ptype: str | None = ""
    elif type(ui) is dict:
        ptype = _text(ui.get("type"))
    else:
        return None
    if ptype is None:
        return None
    return "aws", es, strip_version_suffix(name), ptype


def trail_object(doc: bytes, origin: str, want: WantKey) -> list[RawRecord | Unwanted] | None:
    """Items of a CloudTrail S3 object when every record is a bare one, else None (full path)."""
    if not _valid_text(doc):
        return None
    try:
        records = _container.decode(doc).Records
        out: list[RawRecord | Unwanted] = []
        for i, raw in enumerate(records):
            key = _trail_key(raw)
            if key is None:
                return None
            w = want(key)
            if w is True or (w is not False and w(raw)):
                out.append(RawRecord(CLOUDTRAIL, orjson.loads(memoryview(raw)), f"{origin}#Records[{i}]"))
            else:
                out.append(UNWANTED)
    except _DECODE_ERRORS:
        return None
    return out


def _entry_key(line: bytes) -> QuickKey | None:
    e = _entry.decode(line)
    if e.insertId is _ABSENT or e.eventSource is not _ABSENT or not e.protoPayload:
        return None
    p = _payload.decode(e.protoPayload)
    if p.serviceName is None and p.methodName is None and p.authenticationInfo is None:
        return None  # empty or unusual payload: the full path knows the non-audit shapes
    auth = p.authenticationInfo or _Auth()
    email, subject = _text(auth.principalEmail), _text(auth.principalSubject)
    svc, method, log_name = _text(p.serviceName), _text(p.methodName), _text(e.logName)
    if email is None or subject is None or svc is None or method is None or log_name is None:
        return None
    if is_policy_log(log_name):
        method = POLICY_DENIED  # as quick_key: a denied call is keyed by its log, not its method
    mapped = ""
    if not email and p.metadata:
        try:
            m = _meta.decode(p.metadata).mapped_principal
        except msgspec.ValidationError:  # metadata not an object: no mapped principal, as the mapper reads it
            m = None
        mapped = m if isinstance(m, str) else ""
    return "gcp", svc, method, principal_type(email, mapped or subject)


def logentry_line(line: bytes, origin: str, want: WantKey) -> RawRecord | Unwanted | None:
    """One NDJSON LogEntry line: its record, UNWANTED, or None (full path)."""
    if not _valid_text(line):
        return None
    try:
        key = _entry_key(line)
        if key is None:
            return None
        w = want(key)
        if w is True or (w is not False and w(line)):
            return RawRecord(GCP_LOGENTRY, orjson.loads(line), origin)
        return UNWANTED
    except _DECODE_ERRORS:
        return None
