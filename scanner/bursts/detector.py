"""The burst detector: counts matching events per group in the state store, within a window of event time.

Windows run on event time, never the wall clock, so a replay of last month's logs finds last
month's bursts. Each group keeps at most `threshold` recent entries, so memory per group is bounded
whatever an attacker sends; counters are updated with compare-and-set so concurrent Lambda
invocations sharing one store count together.

Judging is split in two: `_observe` reads what a rule needs of an event (its group, the value it
counts, a small copy of what a finding shows) and `_apply` does the counting. In one process both run
per event. A `--jobs N` worker only observes (`defer`); the parent applies every worker's
observations in input order (`absorb`), so a burst split across files fires exactly as with one job,
without the workers contending for a shared store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from scanner.bursts.learn import Memory
from scanner.bursts.rules import BurstRule
from scanner.detect.early import NO_RAW, Early, Gate, gate_of, probe
from scanner.detect.expr import MISSING, Pred
from scanner.detect.findings import action_of, base_evidence
from scanner.model.event import Event
from scanner.model.finding import Finding, fingerprint
from scanner.state.base import StateStore
from scanner.timeutil import epoch_seconds

#: compare-and-set attempts before an update is given up (another writer kept winning)
CAS_ATTEMPTS = 8
#: event ids carried by one finding
MAX_EVENT_IDS = 100
#: state keys of (rule, group) remembered per detector
STATE_KEYS_CACHED = 65_536


def _text(v: Any) -> str:
    if v is MISSING or v is None:
        return ""
    if isinstance(v, list):
        return ",".join(str(x) for x in v[:5])
    return str(v)[:300]


def _recent(entries: list[Any], now: float, window: float) -> list[list[Any]]:
    """Entries within one window of the latest time seen, oldest first. Workers and replays deliver
    events out of order, so the window ends at the latest event, not at the one being judged."""
    # One pass, and no sort when the entries are in order: what the store holds was written by this
    # function, so only an entry added out of order (or a foreign writer's) needs one. Read for every
    # event a burst rule counts.
    good = []
    latest = now
    ordered = True
    last: Any = None
    for e in entries:
        if isinstance(e, list) and len(e) == 3 and isinstance(e[0], (int, float)):
            t = e[0]
            if t > latest:
                latest = t
            if last is not None and t < last:
                ordered = False
            last = t
            good.append(e)
    cut = latest - window
    kept = [e for e in good if e[0] > cut]
    if not ordered:
        kept.sort(key=_time)
    return kept


def _time(entry: list[Any]) -> float:
    return float(entry[0])


class Seen(NamedTuple):
    """What a burst finding shows of the event that completed it: all a worker ships of an event."""

    cloud: str
    id: str
    time: str
    account: str
    principal: str
    action: str
    resource: str
    evidence: dict[str, Any]

    @classmethod
    def of(cls, ev: Event) -> Seen:
        return cls(ev.cloud, ev.id, ev.time, ev.account, ev.principal, action_of(ev),
                   ev.resources[0] if ev.resources else "", base_evidence(ev))


class Observation(NamedTuple):
    """One rule's view of one event, everything `_apply` needs (picklable once `event` is a Seen)."""

    rule: str  # the rule's id
    then: bool  # the event is the rule's `then` event (fire if the count is already reached)
    counts: bool  # the event matches the rule (is counted)
    now: float  # event time, epoch seconds
    group: tuple[str, ...]
    value: str  # the count_distinct / first_seen value, else ""
    event: Event | Seen
    alert: bool = True  # a learn rule's `alert_on` holds for the event


class _Judge(NamedTuple):
    """A candidate rule of one key and what is left to evaluate of its `match` (counts) and `then`
    for an event of that key; None where the key rules it out."""

    rule: BurstRule
    counts: Pred | None
    then: Pred | None


class Watch(NamedTuple):
    """An event time that may move back how long `cloud`'s logs have been watched (learn rules)."""

    cloud: str
    now: float


class BurstDetector:
    name = "bursts"

    def __init__(self, rules: Sequence[BurstRule], state: StateStore,
                 known: dict[str, frozenset[str]] | None = None) -> None:
        self.state = state
        self.known = known or {}
        # A first_seen rule without configured known values would call every first event new
        # (a `learn` rule learns them instead).
        self.rules = tuple(r for r in rules if r.first_seen is None or r.learn is not None or self.known.get(r.id))
        self.memory = Memory(state)
        self._watches = any(r.learn is not None and r.learn.scope == "detector" for r in self.rules)
        self.held = 0  # new values of learn rules not reported: the baseline was too young
        self._by_op: dict[tuple[str, str], list[BurstRule]] = defaultdict(list)
        for r in self.rules:
            for key in r.index:
                self._by_op[key].append(r)
        self._cache: dict[tuple[str, str, str], tuple[BurstRule, ...]] = {}
        self._judges: dict[tuple[str, str, str, str], tuple[_Judge, ...]] = {}
        self._by_id = {r.id: r for r in self.rules}
        self._deferred: list[Observation | Watch] | None = None
        self._low: dict[str, float] = {}  # a deferring worker: earliest event time it saw, per cloud
        self._keys: dict[tuple[str, tuple[str, ...]], str] = {}

    def _candidates(self, cloud: str, service: str, operation: str) -> tuple[BurstRule, ...]:
        key = (cloud, service, operation)
        hit = self._cache.get(key)
        if hit is None:
            found: dict[int, BurstRule] = {}
            for r in (*self._by_op.get((service, operation), ()), *self._by_op.get(("*", operation), ())):
                if r.cloud == cloud:
                    found.setdefault(id(r), r)
            hit = tuple(found.values())
            if len(self._cache) < 100_000:  # bounded: keys come from attacker-controlled text
                self._cache[key] = hit
        return hit

    def _judged(self, cloud: str, service: str, operation: str, ptype: str) -> tuple[_Judge, ...]:
        """The candidate rules of a key, each with what is left to evaluate of its `match` and `then`
        (None: cannot hold for this key; parts the key decides are not evaluated per event)."""
        key = (cloud, service, operation, ptype)
        hit = self._judges.get(key)
        if hit is None:
            blank = probe(cloud, service, operation, ptype, NO_RAW)
            found = []
            for rule in self._candidates(cloud, service, operation):
                counts = (rule.match_rest or rule.match) if rule.early.key_holds(blank) else None
                then = None
                if rule.then is not None and (rule.then_early is None or rule.then_early.key_holds(blank)):
                    then = rule.then_rest or rule.then
                if counts is not None or then is not None:
                    found.append(_Judge(rule, counts, then))
            hit = tuple(found)
            if len(self._judges) < 100_000:  # bounded: keys come from attacker-controlled text
                self._judges[key] = hit
        return hit

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return (service, operation) in self._by_op or ("*", operation) in self._by_op

    def gate(self, cloud: str, service: str, operation: str, ptype: str) -> Gate | None:
        """A check of the raw record that is False only when neither `match` nor `then` of any candidate
        rule can hold (nothing is counted or judged then), or None when some rule must see every record."""
        # every event of a cloud evaluated here may move back the watched-since clock that this cloud's
        # `scope: detector` learn rules read: with one loaded, this cloud's records are all seen
        if any(r.learn is not None and r.learn.scope == "detector" and r.cloud == cloud for r in self.rules):
            return None
        blank = probe(cloud, service, operation, ptype, NO_RAW)
        parts: list[Early] = []
        for rule in self._candidates(cloud, service, operation):
            for part in (rule.early, rule.then_early):
                if part is None or not part.key_holds(blank):
                    continue
                if part.raw is None:
                    return None
                parts.append(part)
        return gate_of((cloud, service, operation, ptype), parts)

    def evaluate(self, ev: Event) -> Iterable[Finding]:
        out: list[Finding] = []
        now: float | None = None
        if self._watches:  # how long this cloud's logs have been watched: the baseline of scope-detector rules
            now = epoch_seconds(ev.time)
            if now is not None:
                self._watch(ev.cloud, now)
        seen: Seen | None = None
        for judge in self._judged(ev.cloud, ev.service, ev.operation, ev.principal_type):
            o = self._observe(judge, ev, now)
            if o is None:
                continue
            if self._deferred is not None:
                seen = seen or Seen.of(ev)  # one copy an event, however many rules it concerns
                self._deferred.append(o._replace(event=seen))
                continue
            f = self._apply(o)
            if f is not None:
                out.append(f)
        return out

    def finish(self) -> Iterable[Finding]:
        return ()

    def _watch(self, cloud: str, now: float) -> None:
        if self._deferred is None:
            self.memory.watch(cloud, now)
        elif now < self._low.get(cloud, float("inf")):
            # Only a time earlier than all this worker saw can move the watch back: its earlier inputs
            # come earlier in input order, so the parent has seen something at least as old.
            self._low[cloud] = now
            self._deferred.append(Watch(cloud, now))

    # --- --jobs N: workers observe, the parent counts ----------------------------------------------
    def defer(self) -> None:
        """Observe only (a `--jobs` worker): the parent applies the observations in input order."""
        self._deferred = []

    def deferred(self) -> list[Observation | Watch]:
        """The observations since the last call (a worker ships them after each input)."""
        if self._deferred is None:
            return []
        out, self._deferred = self._deferred, []
        return out

    def absorb(self, observations: Iterable[Observation | Watch]) -> list[Finding]:
        """Count a worker's observations (in the parent, in input order); the findings they complete."""
        out = []
        for o in observations:
            if isinstance(o, Watch):
                self.memory.watch(o.cloud, o.now)
                continue
            f = self._apply(o)
            if f is not None:
                out.append(f)
        return out

    # --- per rule --------------------------------------------------------------------------------
    def _observe(self, judge: _Judge, ev: Event, now: float | None = None) -> Observation | None:
        rule = judge.rule
        is_then = judge.then is not None and judge.then(ev)
        counts = judge.counts is not None and judge.counts(ev)  # most candidates stop here, before any state I/O
        if not is_then and not counts:
            return None
        if now is None:
            now = epoch_seconds(ev.time)
        if now is None:
            return None
        group = tuple(_text(get(ev)) for _, get in rule.group_by)
        value = ""
        if rule.learn is not None:
            assert rule.first_seen is not None
            # IAM names and Google account emails are unique regardless of case: one caller, one value.
            value = _text(rule.first_seen[1](ev)).lower()
            if not value:
                return None
            alert = rule.learn.alert_on is None or rule.learn.alert_on(ev)
            return Observation(rule.id, is_then, counts, now, tuple(g.lower() for g in group), value, ev, alert)
        if rule.first_seen is not None:
            value = _text(rule.first_seen[1](ev))
            if not value or value in self.known.get(rule.id, frozenset()):
                return None
        elif rule.count_distinct is not None:
            value = _text(rule.count_distinct[1](ev))
        return Observation(rule.id, is_then, counts, now, group, value, ev)

    def _apply(self, o: Observation) -> Finding | None:
        rule = self._by_id[o.rule]
        if rule.learn is not None:
            return self._learned(rule, o)
        key = self._state_key(rule.id, o.group)
        if rule.first_seen is not None:
            return self._first_seen(rule, o, key)
        if o.then:
            window = self._window(key, o.now, rule)
            if len(self._counted(rule, window)) >= rule.threshold:
                self.state.delete(key)
                return self._finding(rule, o, window)
            if not o.counts:
                return None
        added = self._add(key, o.now, rule, [o.now, o.value, o.event.id])
        if rule.then is None and added is not None and len(self._counted(rule, added)) >= rule.threshold:
            self.state.delete(key)
            return self._finding(rule, o, added)
        return None

    def _state_key(self, rule: str, group: tuple[str, ...]) -> str:
        """Where a rule's entries for a group are kept (a hash per event otherwise; bounded: groups are
        attacker-controlled text)."""
        key = self._keys.get((rule, group))
        if key is None:
            key = "bursts:" + fingerprint(rule, *group)
            if len(self._keys) < STATE_KEYS_CACHED:
                self._keys[(rule, group)] = key
        return key

    def _window(self, key: str, now: float, rule: BurstRule) -> list[list[Any]]:
        got = self.state.get(key, now)
        return _recent(got if isinstance(got, list) else [], now, rule.window_seconds)

    @staticmethod
    def _counted(rule: BurstRule, entries: list[list[Any]]) -> list[list[Any]]:
        if rule.count_distinct is None:
            return entries
        return list({e[1]: e for e in entries if e[1]}.values())

    def _add(self, key: str, now: float, rule: BurstRule, entry: list[Any]) -> list[list[Any]] | None:
        for _ in range(CAS_ATTEMPTS):
            old = self.state.get(key, now)
            kept = _recent([*(old if isinstance(old, list) else []), entry], now, rule.window_seconds)
            if rule.count_distinct is not None:  # one entry a distinct value, its latest
                kept = list({e[1]: e for e in kept}.values())
            new = kept[-rule.threshold:]  # bounded: older entries can never matter again
            if self.state.compare_and_set(key, old, new, now, rule.window_seconds):
                return new
        return None

    def _first_seen(self, rule: BurstRule, o: Observation, key: str) -> Finding | None:
        if not self.state.put_if_absent(f"{key}:{fingerprint(o.value)}", o.event.id, o.now, rule.window_seconds):
            return None
        return self._finding(rule, o, [[o.now, o.value, o.event.id]])

    def _learned(self, rule: BurstRule, o: Observation) -> Finding | None:
        assert rule.learn is not None
        verdict = self.memory.observe(rule, o.group, o.value, o.event.cloud, o.now)
        if not verdict.new or not o.alert:
            return None
        if not verdict.mature:
            self.held += 1
            return None
        f = self._finding(rule, o, [[o.now, o.value, o.event.id]])
        evidence = {k: v for k, v in f.evidence.items() if k not in ("window_seconds", "threshold", "count")}
        evidence.update(usual=list(verdict.usual), baseline_days=rule.learn.baseline_days)
        return f.with_(id=fingerprint(rule.id, o.event.cloud, o.event.account, *o.group, o.value), evidence=evidence)

    def _finding(self, rule: BurstRule, o: Observation, entries: list[list[Any]]) -> Finding:
        ev = o.event if isinstance(o.event, Seen) else Seen.of(o.event)
        evidence = dict(ev.evidence)
        evidence.update({name: value for (name, _), value in zip(rule.group_by, o.group, strict=True)})
        evidence["window_seconds"] = rule.window_seconds
        evidence["threshold"] = rule.threshold
        evidence["count"] = len(self._counted(rule, entries))
        if rule.count_distinct is not None:
            evidence[f"distinct_{rule.count_distinct[0]}"] = sorted({str(e[1]) for e in entries if e[1]})[:20]
        if rule.first_seen is not None:
            evidence[rule.first_seen[0]] = entries[0][1]
        ids = tuple(dict.fromkeys(str(e[2]) for e in entries if e[2]))
        if ev.id and ev.id not in ids:
            ids = (*ids, ev.id)
        return Finding(
            id=fingerprint(rule.id, ev.cloud, ev.account, *o.group, str(int(o.now))),
            rule=rule.id, title=rule.title, severity=rule.severity, category=rule.category, cloud=ev.cloud,
            account=ev.account, principal=ev.principal, action=ev.action, resource=ev.resource, time=ev.time,
            event_ids=ids[-MAX_EVENT_IDS:], evidence=evidence, remediation=rule.remediation,
        )
