"""One principal's usual behaviour: bounded value sets with counts and last-seen times.

A profile is an accumulator (it changes with every event it learns), stored as one JSON value in the
state store. Every set is capped: when a field has seen more distinct values than the cap, the least
used value makes room and the field is marked saturated — a principal that uses hundreds of networks
gives no signal by using one more, so novelty on a saturated field is not reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.anomaly.features import Traits

#: the Traits fields a profile counts
FIELDS: tuple[str, ...] = ("family", "op", "network", "region", "agent", "sensitive", "origin", "country", "asn")
VERSION = 1
DAY = 86_400.0


class ProfileError(ValueError):
    """A stored value that is not a profile this version wrote."""


class Profile:
    __slots__ = ("errors", "first", "hours", "last", "n", "saturated", "values")

    def __init__(self, when: float) -> None:
        self.first = when
        self.last = when
        self.n = 0
        self.errors = 0
        self.hours = [0] * 24
        #: field → value → [count, first seen, last seen]
        self.values: dict[str, dict[str, list[float]]] = {f: {} for f in FIELDS}
        self.saturated: set[str] = set()

    # --- learning ---------------------------------------------------------------------------
    def learn(self, t: Traits, cap: int) -> None:
        self.first = min(self.first, t.when)
        self.last = max(self.last, t.when)
        self.n += 1
        self.errors += t.error
        self.hours[t.hour] += 1
        for f in FIELDS:
            v: str = getattr(t, f)
            if v:
                self._count(f, v, t.when, cap)

    def _count(self, f: str, v: str, when: float, cap: int, n: float = 1, first: float | None = None) -> None:
        vals = self.values[f]
        hit = vals.get(v)
        if hit is not None:
            hit[0] += n
            hit[1] = min(hit[1], when if first is None else first)
            hit[2] = max(hit[2], when)
            return
        if len(vals) >= cap:
            # least used (then longest unseen) value makes room; the field is now too varied to judge
            victim = min(vals, key=lambda k: (vals[k][0], vals[k][2]))
            del vals[victim]
            self.saturated.add(f)
        vals[v] = [n, when if first is None else first, when]

    def merge(self, other: Profile, cap: int) -> None:
        """Add what `other` learned (another process, or this one since its last write)."""
        self.first = min(self.first, other.first)
        self.last = max(self.last, other.last)
        self.n += other.n
        self.errors += other.errors
        self.hours = [a + b for a, b in zip(self.hours, other.hours, strict=True)]
        for f, vals in other.values.items():
            for v, (c, first, last) in vals.items():
                self._count(f, v, last, cap, c, first)
        self.saturated |= other.saturated

    def expire(self, now: float, ttl_seconds: float) -> None:
        """Forget values not seen for `ttl_seconds`: a network used last year is new again."""
        floor = now - ttl_seconds
        for vals in self.values.values():
            for k in [k for k, (_, _, last) in vals.items() if last < floor]:
                del vals[k]

    # --- asking -----------------------------------------------------------------------------
    def history_days(self) -> float:
        return (self.last - self.first) / DAY

    def knows(self, f: str, v: str, before: float | None = None) -> bool:
        """True unless `v` is new for this principal (a saturated field knows everything). With `before`,
        a value first seen at or after that time counts as new: the nightly scorer asks about hours the
        event path may already have learned."""
        if not v or f in self.saturated:
            return True
        hit = self.values[f].get(v)
        return hit is not None and (before is None or hit[1] < before)

    def hour_share(self, hour: int) -> float:
        return self.hours[hour] / self.n if self.n else 0.0

    def usual(self, f: str, top: int = 3) -> list[list[Any]]:
        vals = self.values[f]
        best = sorted(vals.items(), key=lambda kv: (-kv[1][0], kv[0]))[:top]
        return [[k, int(c)] for k, (c, _, _) in best]

    # --- storage ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"v": VERSION, "first": self.first, "last": self.last, "n": self.n, "err": self.errors,
                "hours": self.hours,
                "f": {f: vals for f, vals in self.values.items() if vals}, "sat": sorted(self.saturated)}

    @classmethod
    def from_json(cls, doc: Any) -> Profile:
        try:
            if not isinstance(doc, Mapping) or doc.get("v") != VERSION:
                raise ProfileError("not a baseline profile of this version")
            p = cls(float(doc["first"]))
            p.last = float(doc["last"])
            p.n, p.errors = int(doc["n"]), int(doc["err"])
            hours = doc["hours"]
            if not isinstance(hours, list) or len(hours) != 24:
                raise ProfileError("hours must hold 24 counts")
            p.hours = [int(h) for h in hours]
            stored = doc["f"]
            if not isinstance(stored, Mapping) or not set(stored) <= set(FIELDS):
                raise ProfileError("unknown fields")
            for f, vals in stored.items():
                p.values[f] = {str(k): [float(c), float(first), float(last)] for k, (c, first, last) in vals.items()}
            p.saturated = {str(s) for s in doc["sat"] if s in FIELDS}
            return p
        except ProfileError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ProfileError(f"malformed baseline profile ({type(e).__name__}: {e})") from None
