"""Learned first-seen values: who usually calls what, remembered per group in the state store.

A `learn` burst rule keeps, per group (a service account, an account), the values it has seen
(callers) with when each was last seen. A value missing from that memory is new; it alerts only
once the baseline is old enough, so a fresh state learns instead of calling everything new. The
memory is bounded (`max_values` per group, least recently seen dropped), forgotten after
`forget_days` without use, and written only when something changes or a day has passed since a
value was last refreshed, so a service account minting tokens every minute costs one read.
Updates are compare-and-set so concurrent function invocations share it (`--jobs N` workers defer to
the parent, which alone writes: detector.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.bursts.rules import DAY, BurstRule
from scanner.model.finding import fingerprint
from scanner.state.base import StateStore

#: compare-and-set attempts before an update is given up (another writer kept winning)
CAS_ATTEMPTS = 8
#: a known value's last-seen time is rewritten at most this often (seconds)
REFRESH_SECONDS = DAY
#: usual values shown in a finding
MAX_USUAL = 10


@dataclass(frozen=True, slots=True)
class Verdict:
    new: bool  # the value was not in the group's memory
    mature: bool  # the baseline is old enough for a new value to alert
    usual: tuple[str, ...]  # the most recently seen known values, for the finding


#: what a value already remembered gets (whether the baseline is mature does not matter then)
KNOWN = Verdict(False, False, ())


def _fresh(got: Any, value: str, now: float, forget: float) -> bool:
    """The value is remembered and was refreshed less than a day before `now` (or after it: replays
    and workers deliver events out of order)."""
    seen = got.get("seen") if isinstance(got, dict) else None
    last = seen.get(value) if isinstance(seen, dict) else None
    return isinstance(last, (int, float)) and last > now - forget and now - last < REFRESH_SECONDS


def _memory(got: Any) -> tuple[float | None, dict[str, float]]:
    """(group's oldest memory, value → last seen) from what the store holds; junk reads as empty."""
    if not isinstance(got, dict):
        return None, {}
    since = got.get("since")
    seen = got.get("seen")
    values = {str(k): float(v) for k, v in seen.items() if isinstance(v, (int, float))} \
        if isinstance(seen, dict) else {}
    return (float(since) if isinstance(since, (int, float)) else None), values


class Memory:
    """The learned values of every `learn` rule, and how long the detector has watched each cloud."""

    def __init__(self, state: StateStore) -> None:
        self.state = state
        self._watched: dict[str, float] = {}  # cloud → earliest event time seen (cached)

    def watch(self, cloud: str, now: float) -> float:
        """The earliest event time seen in `cloud`'s logs, moved back by this event if older."""
        known = self._watched.get(cloud)
        if known is not None and known <= now:
            return known
        key = f"bursts:watched:{cloud}"
        for _ in range(CAS_ATTEMPTS):
            old = self.state.get(key, now)
            since = min(float(old), now) if isinstance(old, (int, float)) else now
            if since == old or self.state.compare_and_set(key, old, since, now, None):
                self._watched[cloud] = since
                return since
        self._watched[cloud] = now
        return now

    def observe(self, rule: BurstRule, group: tuple[str, ...], value: str, cloud: str, now: float) -> Verdict:
        learn = rule.learn
        assert learn is not None
        watched = self.watch(cloud, now) if learn.scope == "detector" else None
        key = "bursts:learn:" + fingerprint(rule.id, *group)
        forget = learn.forget_days * DAY
        for _ in range(CAS_ATTEMPTS):
            old = self.state.get(key, now)
            if _fresh(old, value, now, forget):
                return KNOWN  # nothing to read further or write: the common case, a busy known caller
            since, seen = _memory(old)
            seen = {v: t for v, t in seen.items() if t > now - forget}
            last = seen.get(value)
            baseline = watched if watched is not None else since
            verdict = KNOWN if last is not None else Verdict(
                True, baseline is not None and baseline <= now - learn.baseline_days * DAY,
                tuple(sorted(seen, key=lambda v: -seen[v])[:MAX_USUAL]))
            seen[value] = max(now, last or now)
            if len(seen) > learn.max_values:  # bounded: keep the most recently seen
                seen = dict(sorted(seen.items(), key=lambda kv: -kv[1])[:learn.max_values])
            new = {"since": min(since, now) if since is not None else now, "seen": seen}
            if self.state.compare_and_set(key, old, new, now, forget):
                return verdict
        return KNOWN  # could not record it: stay quiet rather than repeat alerts
