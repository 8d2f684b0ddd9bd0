"""Fold repeats: the same rule, principal, action and resource within a time window is one finding.

Folding happens as findings arrive, so memory grows with distinct findings, not with events: a
million identical StopLogging calls cost one group. The result does not depend on arrival order
(earliest event first, smallest event ids kept), so `--jobs N` and re-runs give the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scanner.model.finding import SEVERITY_RANK, Finding, fingerprint
from scanner.timeutil import epoch_seconds, rfc3339

AggKey = tuple[str, str, str, str, str, str, str, int]


@dataclass
class _Group:
    first: Finding
    ids: set[str] = field(default_factory=set)
    count: int = 0
    last_time: str = ""
    severity: str = "info"


class Aggregator:
    def __init__(self, window_seconds: int = 3600, max_event_ids: int = 100) -> None:
        if window_seconds <= 0:
            raise ValueError("aggregation window must be positive")
        self.window = window_seconds
        self.max_ids = max_event_ids
        self._groups: dict[AggKey, _Group] = {}
        self._single: list[Finding] = []  # findings with a location (secrets) are never folded

    def __len__(self) -> int:
        return len(self._groups) + len(self._single)

    def _key(self, f: Finding) -> AggKey:
        ts = epoch_seconds(f.time)
        bucket = int(ts // self.window) if ts is not None else -1
        return (f.rule, f.cloud, f.account, f.principal, f.action, f.resource, f.severity, bucket)

    def add(self, f: Finding) -> None:
        if f.location is not None:
            self._single.append(f)
            return
        key = self._key(f)
        g = self._groups.get(key)
        if g is None:
            g = self._groups[key] = _Group(first=f)
        elif (f.time, f.event_ids) < (g.first.time, g.first.event_ids):
            g.first = f
        g.count += f.count
        g.ids.update(f.event_ids)
        if len(g.ids) > 2 * self.max_ids:  # keep the smallest ids: deterministic whatever the order
            g.ids = set(sorted(g.ids)[: self.max_ids])
        last = f.last_time or f.time
        if last > g.last_time:
            g.last_time = last
        if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[g.severity]:
            g.severity = f.severity

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def results(self) -> list[Finding]:
        out = [self._finish(k, g) for k, g in self._groups.items()]
        out.extend(self._single)
        out.sort(key=lambda f: (f.time, f.rule, f.id))
        return out

    def _finish(self, key: AggKey, g: _Group) -> Finding:
        bucket = key[-1]
        fid = fingerprint(*key[:7], rfc3339(bucket * self.window) if bucket >= 0 else "")
        return g.first.with_(
            id=fid,
            severity=g.severity,
            event_ids=tuple(sorted(g.ids)[: self.max_ids]),
            count=g.count,
            last_time=g.last_time if g.count > 1 else "",
        )
