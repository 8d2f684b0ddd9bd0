"""The Finding contract (DESIGN.md §4): what users script against. Extend, never break."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
CATEGORIES: frozenset[str] = frozenset(
    {"provenance", "privilege", "hygiene", "secret", "anomaly", "tamper", "persistence", "exposure"}
)


def fingerprint(*parts: str) -> str:
    """Stable id: same inputs, same id, across runs and machines."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return h[:32]


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a file a finding sits (secret scanning: path and lines)."""

    path: str
    line: int
    # A finding whose parts sit on several lines (an AWS key ID and its secret): the last of them, and
    # each line holding a part. Left out of the JSON when the finding is one line.
    end_line: int = 0
    lines: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "line": self.line}
        if self.lines:
            d["end_line"] = self.end_line
            d["lines"] = list(self.lines)
        return d


@dataclass(frozen=True, slots=True)
class Response:
    """What the response gate decided for a finding (scanner.respond). The first three keys are the
    contract; the rest are added when known: the ledger id `auditwarden undo` takes, why, on what, and
    the decisions for further targets of the same finding (a Health event naming two keys)."""

    action: str
    mode: str  # off | dry_run | enforce
    status: str  # executed | would_execute | already_done | refused | failed | undone
    action_id: str = ""
    reason: str = ""
    target: str = ""
    others: tuple[Response, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"action": self.action, "mode": self.mode, "status": self.status}
        for k in ("action_id", "reason", "target"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        if self.others:
            d["others"] = [o.to_dict() for o in self.others]
        return d


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding, as every sink writes it (DESIGN.md §4)."""

    id: str
    rule: str
    title: str
    severity: str
    category: str
    cloud: str
    account: str
    principal: str
    action: str
    resource: str
    time: str
    event_ids: tuple[str, ...] = ()
    location: Location | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    remediation: str = ""
    response: Response | None = None
    count: int = 1  # events folded into this finding by aggregation
    last_time: str = ""

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "category": self.category,
            "cloud": self.cloud,
            "account": self.account,
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "time": self.time,
            "event_ids": list(self.event_ids),
            "location": self.location.to_dict() if self.location else None,
            "evidence": dict(self.evidence),
            "remediation": self.remediation,
            "response": self.response.to_dict() if self.response else None,
        }
        if self.count > 1:
            d["count"] = self.count
            d["last_time"] = self.last_time
        return d


_TEXT_FIELDS = ("id", "rule", "title", "severity", "category", "cloud", "account", "principal", "action", "resource",
                "time")


def _response_from(d: Any) -> Response | None:
    if not isinstance(d, Mapping):
        return None
    raw = d.get("others")
    others = raw if isinstance(raw, list) else []
    return Response(str(d.get("action", "")), str(d.get("mode", "")), str(d.get("status", "")),
                    str(d.get("action_id", "")), str(d.get("reason", "")), str(d.get("target", "")),
                    tuple(r for r in (_response_from(o) for o in others) if r is not None))


def finding_from_dict(d: Any) -> Finding:
    """A finding read back from its JSON form (`scan`/`secrets --format jsonl`); ValueError names what is wrong."""
    if not isinstance(d, Mapping):
        raise ValueError("a finding is a JSON object")
    missing = [k for k in ("id", "rule", "severity") if not isinstance(d.get(k), str) or not d.get(k)]
    if missing:
        raise ValueError(f"a finding needs {', '.join(missing)}")
    if d["severity"] not in SEVERITY_RANK:
        raise ValueError(f"unknown severity {d['severity']!r}")
    loc = d.get("location")
    location = Location(str(loc.get("path", "")), int(loc.get("line", 0) or 0)) if isinstance(loc, Mapping) else None
    evidence = d.get("evidence")
    count = d.get("count", 1)
    return Finding(
        **{k: d[k] if isinstance(d.get(k), str) else "" for k in _TEXT_FIELDS},
        event_ids=tuple(str(e) for e in d.get("event_ids") or () if isinstance(e, str)),
        location=location,
        evidence=dict(evidence) if isinstance(evidence, Mapping) else {},
        remediation=str(d.get("remediation") or ""),
        response=_response_from(d.get("response")),
        count=count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1,
        last_time=str(d.get("last_time") or ""),
    )
