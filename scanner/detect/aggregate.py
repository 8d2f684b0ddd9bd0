"""Fold repeats: the same rule, principal, action and resource within a time window is one finding.

Folding happens as findings arrive, so memory grows with distinct findings, not with events: a
million identical StopLogging calls cost one group. The result does not depend on arrival order
(earliest event first, smallest event ids kept), so `--jobs N` and re-runs give the same ids.

Folding never hides an actor: every distinct origin, session, OIDC subject, source IP and access key
among the folded findings is kept in `evidence.distinct` with its count (the most frequent first, up
to `aggregation.max_distinct_values` per field; `evidence.distinct_more` counts the rest). A second
delivery of the same event (same eventID / insertId) counts once: a group remembers a digest of each
of its first DEDUP_FACTOR × `max_event_ids` events (bounded memory), so a redelivery is recognised
among those; past them the count may include it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from scanner.model.finding import SEVERITY_RANK, Finding, fingerprint
from scanner.timeutil import epoch_seconds, rfc3339

AggKey = tuple[str, str, str, str, str, str, str, int]

#: Evidence fields that name who acted. Two findings differing only here fold, but both values stay.
ACTOR_FIELDS = ("origin", "source_identity", "session_name", "oidc_subject", "subject", "source_ip", "access_key_id")
#: Values tracked per field, as a multiple of what is reported: enough for exact top counts in practice
#: while an attacker spraying addresses cannot grow a group without bound.
_TRACK_FACTOR = 10
#: Event-id digests remembered per group, as a multiple of max_event_ids (redelivery detection).
DEDUP_FACTOR = 10


def _earlier(a: Finding, b: Finding) -> bool:
    """A total order on findings (earliest event first), so a group's first finding, whose title and
    evidence it shows, is the same whatever order the findings arrive in."""
    ka, kb = (a.time, a.event_ids, a.id), (b.time, b.event_ids, b.id)
    if ka != kb:
        return ka < kb
    # one event, two findings of one rule (e.g. two role bindings granted in one call): by content
    return _canon(a.evidence) < _canon(b.evidence)


def _canon(evidence: Mapping[str, Any]) -> bytes:
    return orjson.dumps(evidence, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)


def _digest(event_id: str) -> bytes:
    return hashlib.blake2b(event_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()


@dataclass
class _Group:
    first: Finding
    ids: set[str] = field(default_factory=set)
    seen: set[bytes] = field(default_factory=set)  # digests of every event id counted
    count: int = 0
    last_time: str = ""
    severity: str = "info"
    actors: dict[str, Counter[str]] = field(default_factory=dict)
    more: Counter[str] = field(default_factory=Counter)  # occurrences of values beyond the tracked ones


class Aggregator:
    def __init__(self, window_seconds: int = 3600, max_event_ids: int = 100, max_distinct_values: int = 20) -> None:
        if window_seconds <= 0:
            raise ValueError("aggregation window must be positive")
        if max_distinct_values <= 0:
            raise ValueError("aggregation max_distinct_values must be positive")
        self.window = window_seconds
        self.max_ids = max_event_ids
        self.max_distinct = max_distinct_values
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
        if _earlier(f, g.first):  # even a repeat: which one shows must not depend on arrival order
            g.first = f
        new = [d for d in map(_digest, f.event_ids) if d not in g.seen]
        # A redelivered event is not a repeat. (A finding folded elsewhere names at most max_event_ids of
        # its events: only those can be recognised again when worker results are merged.)
        repeats = len(f.event_ids) - len(set(new))
        if f.event_ids and repeats >= f.count:
            return
        room = self.max_ids * DEDUP_FACTOR - len(g.seen)
        if room > 0:
            g.seen.update(new[:room])
        g.count += f.count - repeats
        g.ids.update(f.event_ids)
        if len(g.ids) > 2 * self.max_ids:  # keep the smallest ids: deterministic whatever the order
            g.ids = set(sorted(g.ids)[: self.max_ids])
        last = f.last_time or f.time
        if last > g.last_time:
            g.last_time = last
        if SEVERITY_RANK[f.severity] >= SEVERITY_RANK[g.severity]:
            g.severity = f.severity
        self._count_actors(g, f)

    def merge(self, other: Aggregator) -> None:
        """Fold another aggregator's groups into this one (a --jobs worker's, once it is done), as if
        its findings had been added here: an event both counted (a redelivery in two inputs) counts once."""
        self._single.extend(other._single)
        cap = self.max_ids * DEDUP_FACTOR
        for key, h in other._groups.items():
            g = self._groups.get(key)
            if g is None:
                self._groups[key] = h
                continue
            g.count += h.count - len(g.seen & h.seen)
            room = cap - len(g.seen)
            if room > 0:
                g.seen.update(sorted(h.seen - g.seen)[:room])
            if _earlier(h.first, g.first):
                g.first = h.first
            g.ids.update(h.ids)
            if len(g.ids) > 2 * self.max_ids:
                g.ids = set(sorted(g.ids)[: self.max_ids])
            g.last_time = max(g.last_time, h.last_time)
            if SEVERITY_RANK[h.severity] >= SEVERITY_RANK[g.severity]:
                g.severity = h.severity
            g.more.update(h.more)
            for name, values in h.actors.items():
                counter = g.actors.setdefault(name, Counter())
                for value, n in values.items():
                    if value in counter or len(counter) < self.max_distinct * _TRACK_FACTOR:
                        counter[value] += n
                    else:
                        g.more[name] += n

    def _count_actors(self, g: _Group, f: Finding) -> None:
        folded = f.evidence.get("distinct")
        more = f.evidence.get("distinct_more")
        for name in ACTOR_FIELDS:
            values: list[tuple[str, int]] = []
            if isinstance(folded, Mapping) and isinstance(folded.get(name), list):
                values = [(str(v.get("value")), int(v.get("count", 1))) for v in folded[name]
                          if isinstance(v, Mapping) and isinstance(v.get("count", 1), int)]
            elif isinstance(f.evidence.get(name), str) and f.evidence[name]:
                values = [(f.evidence[name], 1)]
            if isinstance(more, Mapping) and isinstance(more.get(name), int):
                g.more[name] += more[name]
            if not values:
                continue
            counter = g.actors.setdefault(name, Counter())
            for value, n in values:
                if value in counter or len(counter) < self.max_distinct * _TRACK_FACTOR:
                    counter[value] += n
                else:
                    g.more[name] += n

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def results(self, for_merge: bool = False) -> list[Finding]:
        """The folded findings. `for_merge`: a worker's results that another Aggregator will fold
        again keep every tracked actor value, so the final cap does not depend on which worker saw what."""
        out = [self._finish(k, g, for_merge) for k, g in self._groups.items()]
        out.extend(self._single)
        out.sort(key=lambda f: (f.time, f.rule, f.id))
        return out

    def _distinct(self, g: _Group, for_merge: bool = False) -> tuple[dict[str, Any], dict[str, int]]:
        distinct: dict[str, Any] = {}
        more: dict[str, int] = {}
        cap = self.max_distinct * _TRACK_FACTOR if for_merge else self.max_distinct
        for name in ACTOR_FIELDS:
            counter = g.actors.get(name)
            if not counter:
                continue
            ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            distinct[name] = [{"value": v, "count": n} for v, n in ranked[:cap]]
            left = sum(n for _, n in ranked[cap:]) + g.more.get(name, 0)
            if left:
                more[name] = left
        return distinct, more

    def _finish(self, key: AggKey, g: _Group, for_merge: bool = False) -> Finding:
        bucket = key[-1]
        fid = fingerprint(*key[:7], rfc3339(bucket * self.window) if bucket >= 0 else "")
        evidence = g.first.evidence
        if g.count > 1:
            distinct, more = self._distinct(g, for_merge)
            evidence = {**evidence, "distinct": distinct}
            if more:
                evidence["distinct_more"] = more
        return g.first.with_(
            id=fid,
            severity=g.severity,
            event_ids=tuple(sorted(g.ids)[: self.max_ids]),
            count=g.count,
            last_time=g.last_time if g.count > 1 else "",
            evidence=evidence,
        )
