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


class StateFormatError(ValueError):
    """The state file holds something this version cannot read as baselines."""


class Baselines:
    def __init__(self, state: StateStore, limits: Limits) -> None:
        self.state = state
        self.limits = limits
        self._cache: OrderedDict[str, Profile] = OrderedDict()
        self._dirty: set[str] = set()
        #: principal → last activity, least recently active first (eviction order)
        self._index: OrderedDict[str, float] | None = None
        self.evicted = 0

    # --- index ------------------------------------------------------------------------------
    def _load_index(self, now: float) -> OrderedDict[str, float]:
        if self._index is None:
            raw = self.state.get(INDEX, now)
            if raw is None:
                self._index = OrderedDict()
            elif isinstance(raw, Mapping) and all(isinstance(v, int | float) for v in raw.values()):
                self._index = OrderedDict(sorted(((str(k), float(v)) for k, v in raw.items()), key=lambda kv: kv[1]))
            else:
                raise StateFormatError(f"the baseline index ({INDEX}) is not one this version wrote")
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
        self._index_touch(key, t.when)
        self._dirty.add(key)
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
            self._dirty.discard(oldest)
            self.state.delete(PREFIX + oldest)
            self.evicted += 1
        idx[key] = now

    def _remember(self, key: str, prof: Profile, now: float) -> None:
        self._cache[key] = prof
        while len(self._cache) > self.limits.cache_principals:
            old, p = self._cache.popitem(last=False)
            if old in self._dirty:
                self._write(old, p, now)

    def _write(self, key: str, prof: Profile, now: float) -> None:
        prof.expire(prof.last, self.limits.value_ttl_days * DAY)
        # the TTL runs from the principal's last activity, so replaying old logs keeps their baselines
        ttl = max(prof.last + self.limits.profile_ttl_days * DAY - now, 1.0)
        self.state.put(PREFIX + key, prof.to_json(), now, ttl)
        self._dirty.discard(key)

    def flush(self, now: float) -> None:
        for key in list(self._dirty):
            self._write(key, self._cache[key], now)
        if self._index is not None:
            floor = now - self.limits.profile_ttl_days * DAY
            self._index = OrderedDict((k, v) for k, v in self._index.items() if v >= floor)
            self.state.put(INDEX, dict(self._index), now)

    def cached(self) -> Iterator[tuple[str, Profile]]:
        return iter(list(self._cache.items()))

    def stats(self) -> dict[str, Any]:
        return {"principals": len(self._index or {}), "cached": len(self._cache), "evicted": self.evicted}
