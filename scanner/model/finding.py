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
    action: str
    mode: str  # off | dry_run | enforce
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "mode": self.mode, "status": self.status}


@dataclass(frozen=True, slots=True)
class Finding:
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
