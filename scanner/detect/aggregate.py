"""Fold repeats: the same rule, principal, action and resource within a time window is one finding."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.model.finding import SEVERITY_RANK, Finding, fingerprint
from scanner.timeutil import epoch_seconds, rfc3339

AggKey = tuple[str, str, str, str, str, str, str, int]


class Aggregator:
    def __init__(self, window_seconds: int = 3600, max_event_ids: int = 100) -> None:
        if window_seconds <= 0:
            raise ValueError("aggregation window must be positive")
        self.window = window_seconds
        self.max_ids = max_event_ids
        self._groups: dict[AggKey, list[Finding]] = {}

    def add(self, f: Finding) -> None:
        if f.location is not None:  # secrets are per location, never folded
            key: AggKey = (f.rule, f.cloud, f.account, f.principal, f.action, f.resource, f.id, 0)
        else:
            ts = epoch_seconds(f.time)
            bucket = int(ts // self.window) if ts is not None else -1
            key = (f.rule, f.cloud, f.account, f.principal, f.action, f.resource, f.severity, bucket)
        self._groups.setdefault(key, []).append(f)

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def results(self) -> list[Finding]:
        out = [self._merge(k, fs) for k, fs in self._groups.items()]
        out.sort(key=lambda f: (f.time, f.rule, f.id))
        return out

    def _merge(self, key: AggKey, fs: list[Finding]) -> Finding:
        if key[-1] == 0 and fs[0].location is not None and len(fs) == 1:
            return fs[0]
        fs.sort(key=lambda f: (f.time, f.event_ids))
        first = fs[0]
        ids = sorted({i for f in fs for i in f.event_ids})
        bucket = key[-1]
        fid = fingerprint(*key[:7], rfc3339(bucket * self.window) if bucket >= 0 else "")
        worst = max(fs, key=lambda f: SEVERITY_RANK[f.severity])
        return first.with_(
            id=fid,
            severity=worst.severity,
            event_ids=tuple(ids[: self.max_ids]),
            count=sum(f.count for f in fs),
            last_time=fs[-1].last_time or fs[-1].time,
        )
