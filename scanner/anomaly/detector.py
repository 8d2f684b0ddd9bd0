"""Novelty in the event path: what this principal has never done before, weighted, plus bursts.

Pure-novelty findings are held while a principal's history is shorter than `min_history_days`
(everything is new on day one). Signatures — a burst of AccessDenied, a burst of distinct secrets
read, instance credentials arriving through another account's VPC endpoint — are never held.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass

from scanner.anomaly.features import Traits, principal_key, raw_field, traits
from scanner.anomaly.geo import Lookup, geo_lookup
from scanner.anomaly.profile import Profile
from scanner.anomaly.settings import AnomalySettings, anomaly_settings
from scanner.anomaly.store import Baselines
from scanner.config import Config
from scanner.detect.detector import Detector
from scanner.model.event import Event
from scanner.model.finding import Finding, fingerprint
from scanner.state.base import StateStore

_SECRET_READS = frozenset({"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
                           "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
                           "secretmanager:AccessSecretVersion"})
_TITLES = {
    "long_term_key_new_network": "Long-term access key used from a network new for this principal",
    "new_sensitive_api": "Sensitive API this principal has never called",
    "new_api_family": "API family this principal has never used",
    "new_network": "Principal active from a new network",
    "new_agent": "Principal using a new client (user-agent family)",
    "new_region": "Principal active in a new region",
    "new_origin": "Session of this identity started by a new origin",
    "new_operation": "Operation this principal has never called",
    "console_login_new_location": "Console login from a new location",
    "instance_credentials_new_network": "Instance-role credentials used from a network new for the role",
    "off_hours": "Activity at an hour this principal is rarely active",
    "access_denied_burst": "Burst of access-denied errors",
    "secret_read_burst": "Burst of distinct secrets or parameters read",
    "instance_credentials_foreign_endpoint": "Instance-role credentials used through another account's VPC endpoint",
}
#: signal → the profile field it is about (off_hours looks at the hour histogram instead)
_FIELD = {"long_term_key_new_network": "network", "new_sensitive_api": "sensitive", "new_api_family": "family",
          "new_network": "network", "new_agent": "agent", "new_region": "region", "new_origin": "origin",
          "new_operation": "op", "instance_credentials_new_network": "network"}


@dataclass(frozen=True, slots=True)
class Signal:
    name: str
    new: str
    weight: float


def novelty(prof: Profile, t: Traits, ev: Event, s: AnomalySettings) -> list[Signal]:
    """Every first-seen signal this event raises against its principal's profile."""
    w = s.weights
    out: list[Signal] = []

    def add(name: str, new: str) -> None:
        if w[name] > 0:
            out.append(Signal(name, new, w[name]))

    new_net = not prof.knows("network", t.network)
    if new_net and ev.key_kind == "long_lived":
        add("long_term_key_new_network", t.network)
    elif new_net and t.instance_session and t.public_ip:
        add("instance_credentials_new_network", t.network)
    elif new_net:
        add("new_network", t.network)
    if t.op == "signin:ConsoleLogin":
        place = [v for f, v in (("country", t.country), ("asn", t.asn)) if v and not prof.knows(f, v)]
        if place or (new_net and not (t.country or t.asn)):
            add("console_login_new_location", ", ".join(place) or t.network)
    if t.sensitive and not prof.knows("sensitive", t.sensitive):
        add("new_sensitive_api", t.sensitive)
    if not prof.knows("family", t.family):
        add("new_api_family", t.family)
    elif not prof.knows("op", t.op):
        add("new_operation", t.op)
    if not prof.knows("agent", t.agent):
        add("new_agent", t.agent)
    if not prof.knows("region", t.region):
        add("new_region", t.region)
    if not prof.knows("origin", t.origin):
        add("new_origin", t.origin)
    if prof.hour_share(t.hour) < s.off_hours_share:
        add("off_hours", f"{t.hour:02d}:00 UTC")
    return out


class _Window:
    """Recent (time, item, event id) of one principal, at most `cap` kept."""

    __slots__ = ("fired_until", "items")

    def __init__(self, cap: int) -> None:
        self.items: deque[tuple[float, str, str]] = deque(maxlen=cap)
        self.fired_until = 0.0

    def add(self, when: float, item: str, eid: str, span: float) -> int:
        self.items.append((when, item, eid))
        while self.items and self.items[0][0] < when - span:
            self.items.popleft()
        return len({i for _, i, _ in self.items})


class Bursts:
    """Sliding windows per principal, bounded in principals (LRU) and in items per window."""

    def __init__(self, max_principals: int) -> None:
        self.max = max_principals
        self._w: OrderedDict[tuple[str, str], _Window] = OrderedDict()

    def crossed(self, kind: str, key: str, when: float, item: str, eid: str, span: float,
                threshold: int) -> list[tuple[str, str]]:
        """The window's (item, event id) pairs when this event takes it to the threshold, else []."""
        wk = (kind, key)
        win = self._w.get(wk)
        if win is None:
            win = self._w[wk] = _Window(threshold * 4)
            while len(self._w) > self.max:
                self._w.popitem(last=False)
        else:
            self._w.move_to_end(wk)
        n = win.add(when, item, eid, span)
        if n >= threshold and when >= win.fired_until:
            win.fired_until = when + span  # one finding per window, not one per event past the threshold
            return [(i, e) for _, i, e in win.items]
        return []


def _secret_name(ev: Event) -> str:
    if ev.resources:
        return ev.resources[0]
    for k in ("secretId", "name", "names"):
        v = raw_field(ev, "requestParameters", k)
        if v:
            return str(v)[:200]
    return ev.id


class NoveltyDetector:
    name = "anomaly"

    def __init__(self, settings: AnomalySettings, baselines: Baselines, geo: Lookup | None = None,
                 learn: bool = True) -> None:
        self.s = settings
        self.baselines = baselines
        self.geo = geo
        self.learn = learn and settings.learn
        self.bursts = Bursts(settings.limits.cache_principals)
        self.last_time = 0.0
        self.held = 0  # pure-novelty alerts held back by the cold-start rule

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return True

    def evaluate(self, ev: Event) -> Iterable[Finding]:
        t = traits(ev, self.geo)
        if t is None:
            return []
        key = principal_key(ev)
        self.last_time = max(self.last_time, t.when)
        out = self._signatures(ev, t, key)
        prof = self.baselines.get(key, t.when)
        if prof is not None:
            signals = novelty(prof, t, ev, self.s)
            score = sum(sig.weight for sig in signals)
            if score >= self.s.alert_score:
                if prof.history_days() < self.s.min_history_days:
                    self.held += 1
                else:
                    out.append(self._novelty_finding(ev, key, prof, signals, score))
        if self.learn:
            self.baselines.learn(key, t)
        return out

    def _signatures(self, ev: Event, t: Traits, key: str) -> list[Finding]:
        s = self.s
        span = s.burst_window_minutes * 60
        out: list[Finding] = []
        denied = self.bursts.crossed("denied", key, t.when, ev.id, ev.id, span, s.burst_access_denied) if t.denied \
            else []
        if denied:
            f = self._finding(ev, "access_denied_burst", "medium", {
                "denied_calls": len(denied), "window_minutes": s.burst_window_minutes,
                "last_error": ev.error_code}, t.when)
            out.append(f.with_(event_ids=tuple(e for _, e in denied)))
        read = self.bursts.crossed("secrets", key, t.when, _secret_name(ev), ev.id, span, s.burst_distinct_secrets) \
            if t.op in _SECRET_READS and not t.error else []
        if read:
            names = sorted({i for i, _ in read})
            f = self._finding(ev, "secret_read_burst", "high", {
                "distinct_secrets": len(names), "secrets": names[:20], "window_minutes": s.burst_window_minutes},
                t.when)
            out.append(f.with_(event_ids=tuple(e for _, e in read)))
        endpoint_account = raw_field(ev, "vpcEndpointAccountId")
        if (t.instance_session and isinstance(endpoint_account, str) and endpoint_account
                and endpoint_account != ev.account):
            out.append(self._finding(ev, "instance_credentials_foreign_endpoint", "high", {
                "vpc_endpoint_account": endpoint_account, "vpc_endpoint": raw_field(ev, "vpcEndpointId"),
                "session_name": ev.session_name}, 0.0))
        return out

    def _finding(self, ev: Event, signal: str, severity: str, evidence: dict[str, object],
                 bucket: float) -> Finding:
        return Finding(
            id=fingerprint("anomaly", signal, ev.cloud, ev.account, ev.principal, str(int(bucket))),
            rule=f"anomaly.{signal}", title=_TITLES[signal], severity=severity, category="anomaly",
            cloud=ev.cloud, account=ev.account, principal=ev.principal, action=ev.operation,
            resource=ev.resources[0] if ev.resources else "", time=ev.time, event_ids=(ev.id,),
            evidence=evidence,
            remediation="Confirm with the owner of this identity that the activity is theirs; if not, revoke its "
                        "sessions or keys (`auditwarden revoke`) and review what it touched.")

    def _novelty_finding(self, ev: Event, key: str, prof: Profile, signals: list[Signal],
                         score: float) -> Finding:
        top = max(signals, key=lambda g: g.weight)
        what = []
        for g in signals:
            field = _FIELD.get(g.name)
            usual = prof.usual(field) if field else [[f"{h:02d}:00", c] for h, c in _top_hours(prof)]
            what.append({"signal": g.name, "new": g.new, "weight": g.weight, "usual": usual})
        severity = "high" if score >= self.s.high_score else "medium"
        evidence: dict[str, object] = {
            "score": round(score, 3), "new": what, "history_days": round(prof.history_days(), 1),
            "events_in_baseline": prof.n, "source_ip": ev.source_ip, "user_agent": ev.user_agent[:200]}
        if ev.resources:
            evidence["resource"] = ev.resources[0][:300]
        f = self._finding(ev, top.name, severity, evidence, 0.0)
        # no resource: the novelty is about the principal, and repeats on many resources fold into one
        return f.with_(id=fingerprint("anomaly", key, *sorted(f"{g.name}={g.new}" for g in signals)), resource="")

    def checkpoint(self) -> None:
        """Write what was learned so far, merged with what other processes wrote (pipeline hook)."""
        if self.learn and self.last_time:
            self.baselines.flush(self.last_time)

    def finish(self) -> Iterable[Finding]:
        self.checkpoint()
        return []


def _top_hours(prof: Profile, top: int = 3) -> list[tuple[int, int]]:
    return sorted(((h, c) for h, c in enumerate(prof.hours) if c), key=lambda hc: -hc[1])[:top]


def factory(config: Config, state: StateStore) -> Detector:
    """The novelty detector over `state`; inert without a persistent store (nothing to compare with)."""
    s = anomaly_settings(config)
    if getattr(state, "ephemeral", False):
        return _Inert()
    baselines = Baselines(state, s.limits)
    if getattr(state, "path", None):  # a local file: a foreign or tampered index stops the run here
        baselines.principals(time.time())
    return NoveltyDetector(s, baselines, geo_lookup(s))


class _Inert:
    name = "anomaly"

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return False

    def evaluate(self, ev: Event) -> Iterable[Finding]:
        return []

    def finish(self) -> Iterable[Finding]:
        return []
