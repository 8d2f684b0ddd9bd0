"""Baselines in the state store: a bounded cache in front, a capped index of principals behind.

Growth is bounded twice. In memory, at most `cache_principals` profiles are held (least recently used
ones are written back and dropped). In the store, at most `max_principals` profiles live: the index
remembers each principal's last activity, and a new principal beyond the cap evicts the one idle the
longest. A spray of AssumeRole calls with random session names costs nothing (session names never make
a principal); a spray of distinct principals costs at most the cap.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.anomaly.features import Traits
from scanner.anomaly.profile import DAY, Profile, ProfileError
from scanner.anomaly.settings import Limits
from scanner.state.base import StateStore

PREFIX = "anomaly:p:"
INDEX = "anomaly:index"
_RETRIES = 20


class StateFormatError(ValueError):
    """The state file holds something this version cannot read as baselines."""


class Baselines:
    def __init__(self, state: StateStore, limits: Limits) -> None:
        self.state = state
        self.limits = limits
        self._cache: OrderedDict[str, Profile] = OrderedDict()
        #: what this process learned since it last wrote each principal: merged into the stored profile
        #: on write, so `scan --jobs N` workers sharing one state file add up instead of overwriting
        self._delta: dict[str, Profile] = {}
        #: principal → last activity, least recently active first (eviction order)
        self._index: OrderedDict[str, float] | None = None
        self.evicted = 0

    # --- index ------------------------------------------------------------------------------
    def _load_index(self, now: float) -> OrderedDict[str, float]:
        if self._index is None:
            self._index = _index_of(self.state.get(INDEX, now))
        return self._index

    def principals(self, now: float) -> list[str]:
        return sorted(self._load_index(now))

    # --- profiles ---------------------------------------------------------------------------
    def get(self, key: str, now: float) -> Profile | None:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        if key not in self._load_index(now):
            return None
        raw = self.state.get(PREFIX + key, now)
        if raw is None:
            return None
        try:
            prof = Profile.from_json(raw)
        except ProfileError as e:
            raise StateFormatError(f"baseline of {key!r}: {e}") from None
        self._remember(key, prof, now)
        return prof

    def learn(self, key: str, t: Traits) -> Profile:
        prof = self.get(key, t.when)
        if prof is None:
            prof = Profile(t.when)
            self._admit(key, t.when)
            self._remember(key, prof, t.when)
        prof.learn(t, self.limits.values_per_field)
        delta = self._delta.get(key)
        if delta is None:
            delta = self._delta[key] = Profile(t.when)
        delta.learn(t, self.limits.values_per_field)
        self._index_touch(key, t.when)
        return prof

    def _index_touch(self, key: str, when: float) -> None:
        idx = self._load_index(when)
        if idx.get(key, -1.0) <= when:
            idx[key] = when
            idx.move_to_end(key)

    def _admit(self, key: str, now: float) -> None:
        idx = self._load_index(now)
        while len(idx) >= self.limits.max_principals:
            # the principal idle the longest leaves; its baseline is rebuilt if it comes back
            oldest, _ = idx.popitem(last=False)
            self._cache.pop(oldest, None)
            self._delta.pop(oldest, None)
            self.state.delete(PREFIX + oldest)
            self.evicted += 1
        idx[key] = now

    def _remember(self, key: str, prof: Profile, now: float) -> None:
        self._cache[key] = prof
        while len(self._cache) > self.limits.cache_principals:
            old, _ = self._cache.popitem(last=False)
            if old in self._delta:
                self._write(old, now)

    def _write(self, key: str, now: float) -> None:
        """Merge this process's delta into the stored profile (compare-and-set, retried on a race)."""
        delta = self._delta.pop(key)
        for _ in range(_RETRIES):
            stored = self.state.get(PREFIX + key, now)
            try:
                merged = Profile.from_json(stored) if stored is not None else Profile(delta.first)
            except ProfileError as e:
                raise StateFormatError(f"baseline of {key!r}: {e}") from None
            merged.merge(delta, self.limits.values_per_field)
            merged.expire(merged.last, self.limits.value_ttl_days * DAY)
            # the TTL runs from the principal's last activity, so replaying old logs keeps their baselines
            ttl = max(merged.last + self.limits.profile_ttl_days * DAY - now, 1.0)
            if self.state.compare_and_set(PREFIX + key, stored, merged.to_json(), now, ttl):
                if key in self._cache:
                    self._cache[key] = merged
                return
        raise StateFormatError(f"baseline of {key!r}: could not be written ({_RETRIES} concurrent updates lost)")

    def flush(self, now: float) -> None:
        for key in list(self._delta):
            self._write(key, now)
        if self._index is None:
            return
        floor = now - self.limits.profile_ttl_days * DAY
        for _ in range(_RETRIES):
            raw = self.state.get(INDEX, now)
            merged = _index_of(raw)
            for k, v in self._index.items():
                if merged.get(k, -1.0) < v:
                    merged[k] = v
            ordered = OrderedDict(sorted(((k, v) for k, v in merged.items() if v >= floor), key=lambda kv: kv[1]))
            while len(ordered) > self.limits.max_principals:
                oldest, _ = ordered.popitem(last=False)
                self.state.delete(PREFIX + oldest)
                self.evicted += 1
            if self.state.compare_and_set(INDEX, raw, dict(ordered), now):
                self._index = ordered
                return
        raise StateFormatError("the baseline index could not be written (too many concurrent updates)")

    def cached(self) -> Iterator[tuple[str, Profile]]:
        return iter(list(self._cache.items()))

    def stats(self) -> dict[str, Any]:
        return {"principals": len(self._index or {}), "cached": len(self._cache), "evicted": self.evicted}


def _index_of(raw: Any) -> OrderedDict[str, float]:
    """The stored index, least recently active first; a value this version did not write is refused."""
    if raw is None:
        return OrderedDict()
    if isinstance(raw, Mapping) and all(isinstance(v, int | float) for v in raw.values()):
        return OrderedDict(sorted(((str(k), float(v)) for k, v in raw.items()), key=lambda kv: kv[1]))
    raise StateFormatError(f"the baseline index ({INDEX}) is not one this version wrote")
