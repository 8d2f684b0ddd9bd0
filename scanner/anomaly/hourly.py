"""Principal × hour feature rows: what each identity did in each hour, against its baseline.

Plain Python (no pandas) so the rows can be built anywhere; `scoring` turns them into a frame.
Per-row sets are capped: a row counts at most `cap` distinct values of each kind (enough to rank).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from scanner.anomaly.features import Traits, principal_key
from scanner.anomaly.profile import Profile
from scanner.model.event import Event

#: feature name → what it counts (the order is the column order of the scored matrix)
FEATURES: dict[str, str] = {
    "events": "calls in the hour",
    "distinct_ops": "distinct operations",
    "distinct_families": "distinct API families",
    "error_rate": "share of calls that failed",
    "denied": "access-denied errors",
    "sensitive_calls": "calls to sensitive APIs (secrets, decrypt, credentials, IAM writes, models)",
    "first_seen_ops": "operations never seen in the baseline",
    "new_networks": "source networks never seen in the baseline",
    "new_agents": "user-agent families never seen in the baseline",
    "hour_rarity": "how unusual this hour of day is for the principal (0 usual .. 1 never)",
    "distinct_resources": "distinct resources touched",
}
HOUR = 3600


@dataclass(slots=True)
class HourRow:
    principal: str  # cloud|account|principal
    hour: int  # epoch hour
    events: int = 0
    errors: int = 0
    denied: int = 0
    sensitive: int = 0
    ops: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)
    new_ops: set[str] = field(default_factory=set)
    new_nets: set[str] = field(default_factory=set)
    new_agents: set[str] = field(default_factory=set)
    resources: set[str] = field(default_factory=set)
    event_ids: list[str] = field(default_factory=list)
    hour_rarity: float = 0.0

    def values(self) -> tuple[float, ...]:
        n = max(self.events, 1)
        return (float(self.events), float(len(self.ops)), float(len(self.families)), self.errors / n,
                float(self.denied), float(self.sensitive), float(len(self.new_ops)), float(len(self.new_nets)),
                float(len(self.new_agents)), self.hour_rarity, float(len(self.resources)))


def _add(s: set[str], v: str, cap: int) -> None:
    if v and len(s) < cap:
        s.add(v)


class HourTable:
    def __init__(self, baseline: Callable[[str, float], Profile | None], cap: int = 256,
                 ids_per_row: int = 20) -> None:
        self.baseline = baseline
        self.cap = cap
        self.ids_per_row = ids_per_row
        self.rows: dict[tuple[str, int], HourRow] = {}

    def add(self, ev: Event, t: Traits) -> None:
        key = principal_key(ev)
        hour = int(t.when // HOUR)
        row = self.rows.get((key, hour))
        prof = self.baseline(key, t.when)
        if row is None:
            row = self.rows[(key, hour)] = HourRow(key, hour)
            row.hour_rarity = 1.0 - min(1.0, prof.hour_share(t.hour) * 24) if prof else 1.0
        row.events += 1
        # "new" = unknown before this hour began, whether or not `scan --state` has learned it since
        start = hour * HOUR
        row.errors += t.error
        row.denied += t.denied
        row.sensitive += bool(t.sensitive)
        _add(row.ops, t.op, self.cap)
        _add(row.families, t.family, self.cap)
        if ev.resources:
            _add(row.resources, ev.resources[0][:200], self.cap)
        if prof is None or not prof.knows("op", t.op, start):
            _add(row.new_ops, t.op, self.cap)
        if prof is None or not prof.knows("network", t.network, start):
            _add(row.new_nets, t.network, self.cap)
        if prof is None or not prof.knows("agent", t.agent, start):
            _add(row.new_agents, t.agent, self.cap)
        if len(row.event_ids) < self.ids_per_row:
            row.event_ids.append(ev.id)
