"""What decoding yields: a raw record ready for a normalizer, a rejection, or a deliberate skip."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

#: Record kinds the normalizers understand.
CLOUDTRAIL = "cloudtrail"
EVENTBRIDGE = "eventbridge"  # non-CloudTrail EventBridge events (AWS Health, GuardDuty, ...)
GCP_LOGENTRY = "gcp_logentry"


class RawRecord(NamedTuple):
    """One per audit record decoded: a NamedTuple because it is built for every record on the hot
    path, where a frozen dataclass costs several times more per instance."""

    kind: str
    data: Mapping[str, Any]
    origin: str  # where it came from: path/URL plus position, for dead letters and evidence


@dataclass(frozen=True, slots=True)
class Rejected:
    """Input we could not use. Counted by reason and dead-lettered, never dropped silently."""

    origin: str
    reason: str  # short machine-friendly reason: "not_json", "truncated_gzip", "unknown_format", ...
    detail: str = ""
    sample: str = ""  # at most a few hundred characters of the offending input


@dataclass(frozen=True, slots=True)
class Skipped:
    """Input we recognised and ignore on purpose (CloudTrail digests, CWL control messages)."""

    origin: str
    reason: str


class Unwanted:
    """A record decoded just far enough to know no detector wants it: counted, never normalized."""

    __slots__ = ()


#: The one instance: yielded once per such record, so it must cost nothing to make.
UNWANTED = Unwanted()

Item = RawRecord | Rejected | Skipped | Unwanted


def sample_of(data: bytes | str, limit: int = 300) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:limit]


def record_sample(data: Mapping[str, Any], limit: int = 300) -> str:
    """The start of a record as JSON, for dead letters. Never repr(): nesting that orjson accepts
    (up to 1024 levels) is deeper than repr() can print, and the record is attacker-controlled."""
    import orjson

    try:
        return sample_of(orjson.dumps(data)[: limit * 4], limit)
    except (orjson.JSONEncodeError, TypeError):  # deeper than orjson writes, or integers beyond 64 bits
        return sample_of("{keys: " + ", ".join(str(k) for k in list(data)[:20]) + "}", limit)
