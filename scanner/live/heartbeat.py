"""A silent pipeline is a finding: per account/project, when did its audit events last arrive?

Every invocation notes the newest event time per source and folds it into one state item
(`heartbeat:last_seen`, a map merged with compare-and-set so concurrent functions never lose a
newer time). Writes are throttled per warm container. The nightly invocation reads the map and
turns every source silent for longer than `heartbeat_max_silence_minutes` into a `tamper` finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model.finding import Finding, fingerprint
from scanner.sources.records import CLOUDTRAIL, EVENTBRIDGE, GCP_LOGENTRY, RawRecord
from scanner.state.base import StateStore
from scanner.timeutil import epoch_seconds, rfc3339

KEY = "heartbeat:last_seen"
RULE = "tamper.audit_log_silence"
#: Concurrent writers retry a lost compare-and-set this many times; the next invocation catches up anyway.
_CAS_TRIES = 8


def _s(v: Any) -> str:
    return v if isinstance(v, str) else ""


def source_of(rec: RawRecord) -> tuple[str, str, str]:
    """(cloud, account/project, event time) read cheaply from a raw record; "" where absent."""
    d = rec.data
    if rec.kind == CLOUDTRAIL:
        ui = d.get("userIdentity")
        account = _s(d.get("recipientAccountId")) or (_s(ui.get("accountId")) if isinstance(ui, dict) else "")
        return "aws", account, _s(d.get("eventTime"))
    if rec.kind == EVENTBRIDGE:
        return "aws", _s(d.get("account")), _s(d.get("time"))
    if rec.kind == GCP_LOGENTRY:
        res = d.get("resource")
        labels = res.get("labels") if isinstance(res, dict) else None
        project = _s(labels.get("project_id")) if isinstance(labels, dict) else ""
        if not project:
            parent = _s(d.get("logName")).partition("/logs/")[0]
            project = parent.removeprefix("projects/")
        return "gcp", project, _s(d.get("timestamp"))
    return "", "", ""


class Heartbeat:
    """Lives as long as the warm runtime: `observe` per record, `flush` once per invocation."""

    def __init__(self) -> None:
        self._pending: dict[str, float] = {}
        self._written: dict[str, float] = {}  # source → when this container last wrote it (wall clock)

    def observe(self, rec: RawRecord) -> None:
        cloud, account, when = source_of(rec)
        if not account:
            return
        ts = epoch_seconds(when)
        if ts is None:
            return
        key = f"{cloud}:{account}"
        if ts > self._pending.get(key, 0.0):
            self._pending[key] = ts

    def flush(self, state: StateStore, now: float, min_interval: float) -> int:
        """Merge what was seen into the state item; returns how many sources were written."""
        due = {k: v for k, v in self._pending.items() if now - self._written.get(k, -1e18) >= min_interval}
        if not due:
            return 0
        for _ in range(_CAS_TRIES):
            current = state.get(KEY, now)
            merged: dict[str, float] = dict(current) if isinstance(current, Mapping) else {}
            changed = False
            for k, ts in due.items():
                if ts > float(merged.get(k, 0.0)):
                    merged[k] = ts
                    changed = True
            if not changed or state.compare_and_set(KEY, current, merged, now):
                break
        for k in due:
            self._written[k] = now
            del self._pending[k]
        return len(due)


def last_seen(state: StateStore, now: float) -> dict[str, float]:
    v = state.get(KEY, now)
    return {str(k): float(t) for k, t in v.items()} if isinstance(v, Mapping) else {}


def silence_findings(state: StateStore, now: float, max_silence_minutes: int) -> list[Finding]:
    """One tamper finding per source silent longer than allowed. Its id names the last event time, so a
    gap is reported once however many nightly runs see it, and a new gap after a recovery again."""
    out = []
    limit = max_silence_minutes * 60
    for key, ts in sorted(last_seen(state, now).items()):
        silent = now - ts
        if silent <= limit:
            continue
        cloud, _, account = key.partition(":")
        what = "project" if cloud == "gcp" else "account"
        out.append(Finding(
            id=fingerprint(RULE, cloud, account, rfc3339(ts)),
            rule=RULE,
            title=f"No audit events from {what} {account} for {int(silent // 60)} minutes",
            severity="high",
            category="tamper",
            cloud=cloud,
            account=account,
            principal="",
            action="",
            resource=account,
            time=rfc3339(now),
            evidence={"last_event_time": rfc3339(ts), "silent_minutes": int(silent // 60),
                      "max_silence_minutes": max_silence_minutes},
            remediation=("Check that the trail / log sink still delivers (StopLogging, DeleteTrail, sink deleted "
                         "or filter changed, subscription or queue broken) and that the account still exists."),
        ))
    return out
