"""The rules engine: rules indexed by (service, operation) so per-event cost does not grow with rules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from scanner.detect.early import NO_RAW, Gate, gate_of, probe
from scanner.detect.findings import finding_for_rule
from scanner.detect.rules import Rule
from scanner.model.event import Event
from scanner.model.finding import Finding

Key = tuple[str, str, str, str]  # (cloud, service, operation, principal_type)


class RuleEngine:
    name = "rules"

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self._by_op: dict[tuple[str, str], list[Rule]] = defaultdict(list)
        self._by_ptype: dict[tuple[str, str], list[Rule]] = defaultdict(list)
        self._wild: dict[str, list[Rule]] = defaultdict(list)
        for r in self.rules:
            if r.index:
                for svc, op in r.index:
                    self._by_op[(svc, op)].append(r)
            elif r.principal_types:
                for pt in r.principal_types:
                    self._by_ptype[(r.cloud, pt)].append(r)
            else:
                self._wild[r.cloud].append(r)
        self._cache: dict[Key, tuple[Rule, ...]] = {}

    def candidates(self, cloud: str, service: str, operation: str, ptype: str) -> tuple[Rule, ...]:
        key = (cloud, service, operation, ptype)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        found: list[Rule] = []
        for r in (
            *self._by_op.get((service, operation), ()),
            *self._by_op.get(("*", operation), ()),
            *self._by_ptype.get((cloud, ptype), ()),
            *self._wild.get(cloud, ()),
        ):
            if r.cloud == cloud and r not in found:
                found.append(r)
        # parts of a match that read only the key are decided here, once per key
        blank = probe(cloud, service, operation, ptype, NO_RAW)
        result = tuple(r for r in found if r.early.key_holds(blank))
        if len(self._cache) < 100_000:  # bounded: keys come from attacker-controlled text
            self._cache[key] = result
        return result

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return bool(self.candidates(cloud, service, operation, ptype))

    def gate(self, cloud: str, service: str, operation: str, ptype: str) -> Gate | None:
        """For a wanted key: a check of the raw record that is False only when no candidate rule can
        match it (see detect/early.py), or None when some candidate must see every such record."""
        cands = self.candidates(cloud, service, operation, ptype)
        if not cands or any(r.early.raw is None for r in cands):
            return None
        return gate_of((cloud, service, operation, ptype), [r.early for r in cands])

    def matching(self, ev: Event) -> list[Rule]:
        # candidates of the event's own key fields: their key-only parts hold, what is left decides
        return [
            r
            for r in self.candidates(ev.cloud, ev.service, ev.operation, ev.principal_type)
            if r.judges(ev) and r.holds_beyond_key(ev)
        ]

    def evaluate(self, ev: Event) -> Iterable[Finding]:
        return [finding_for_rule(r, ev) for r in self.matching(ev)]

    def finish(self) -> Iterable[Finding]:
        return ()
