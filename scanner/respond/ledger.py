"""The audit trail and the hourly circuit breaker, both in the state store (shared across processes).

`respond:action:<id>` holds one record per (action kind, target) with every decision ever taken on it;
the action id is a fingerprint of the two, so a redelivered finding, a second finding about the same
key and a manual `revoke` all land on the same record and the cap counts the action once.
`respond:cap` holds the (time, action id) pairs executed within the last hour; it is changed only by
compare-and-set, so concurrent processes cannot both take the last slot.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from scanner.model.finding import fingerprint
from scanner.respond.model import Request
from scanner.state.base import StateStore

CAP_KEY = "respond:cap"
HOUR = 3600.0
#: compare-and-set attempts before the cap counts as unavailable (each retry means another writer won)
CAS_ATTEMPTS = 64


def default_state_path() -> str:
    """The cap and the audit trail must outlive one process: never an in-memory store by default."""
    env = os.environ.get("AUDITWARDEN_STATE")
    if env:
        return env
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "auditwarden"
    base.mkdir(parents=True, exist_ok=True)
    return str(base / "state.sqlite")


def action_id(kind: str, target: str) -> str:
    return "act-" + fingerprint("respond", kind, target)[:20]


def _key(aid: str) -> str:
    return f"respond:action:{aid}"


class Ledger:
    def __init__(self, state: StateStore) -> None:
        self.state = state

    def get(self, aid: str, now: float) -> dict[str, Any] | None:
        rec = self.state.get(_key(aid), now)
        return rec if isinstance(rec, dict) else None

    def record(self, aid: str, req: Request, now: float, **decision: Any) -> dict[str, Any]:
        """Append a decision to the action's history and make it the current one (compare-and-set, so
        two processes deciding on the same target both land in the history)."""
        entry = {"time": now, "finding_id": req.finding_id, "rule": req.rule, "signal": req.signal,
                 **({"reason_given": req.reason} if req.reason else {}), **decision}
        rec: dict[str, Any] = {}
        for _ in range(CAS_ATTEMPTS):
            current = self.get(aid, now)
            rec = dict(current) if current else {"action_id": aid, "kind": req.kind, "target": req.target,
                                                 "history": []}
            rec["history"] = [*rec["history"], entry][-50:]  # bounded: a flapping finding must not grow it
            rec.update({k: v for k, v in decision.items() if k != "reason"})
            rec["status"], rec["reason"] = decision.get("status", ""), decision.get("reason", "")
            if self.state.compare_and_set(_key(aid), current, rec, now):
                break
        else:  # never lose a decision to contention: the last word is written as it stands
            self.state.put(_key(aid), rec, now)
        return rec

    def cap_room(self, limit: int, now: float, aid: str) -> bool:
        """Whether `aid` fits under the cap now (without taking a slot): the dry-run question."""
        live = self._live(now)
        return any(a == aid for _, a in live) or len(live) < limit

    def take_slot(self, limit: int, now: float, aid: str) -> bool:
        """Atomically count `aid` against the cap; False when the hour is full. Counting the same id
        twice within the hour is a no-op (redelivery)."""
        for _ in range(CAS_ATTEMPTS):
            current = self.state.get(CAP_KEY, now)
            live = self._prune(current, now)
            if any(a == aid for _, a in live):
                return True
            if len(live) >= limit:
                return False
            if self.state.compare_and_set(CAP_KEY, current, [*live, [now, aid]], now, ttl_seconds=HOUR):
                return True
        return False

    def used(self, now: float) -> int:
        return len(self._live(now))

    def _live(self, now: float) -> list[list[Any]]:
        return self._prune(self.state.get(CAP_KEY, now), now)

    @staticmethod
    def _prune(value: Any, now: float) -> list[list[Any]]:
        if not isinstance(value, list):
            return []
        return [e for e in value if isinstance(e, list) and len(e) == 2 and now - float(e[0]) < HOUR]
