"""Baselines in the state store: a bounded cache in front, a capped, sharded index of principals behind.

Growth is bounded twice. In memory, at most `cache_principals` profiles are held (least recently used
ones are written back and dropped). In the store, at most `max_principals` profiles live: the index
remembers each principal's last activity, and a new principal beyond the cap evicts the one idle the
longest (within its shard). A spray of AssumeRole calls with random session names costs nothing
(session names never make a principal); a spray of distinct principals costs at most the cap.

The index is split into `index_shards` values by a hash of the principal: each stays small enough for
a DynamoDB item (400 KB) or a Firestore document, and concurrent writers rarely touch the same one.
Every write merges with what is stored (compare-and-set), so `scan --jobs N` workers and concurrent
Lambda invocations add up instead of overwriting each other.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from scanner.anomaly.features import Traits
from scanner.anomaly.profile import DAY, Profile, ProfileError
from scanner.anomaly.settings import Limits
from scanner.state.base import StateStore

PREFIX = "anomaly:p:"
INDEX = "anomaly:index:"  # + shard number
_RETRIES = 20

Shard = OrderedDict[str, float]  # principal → last activity, least recently active first


class StateFormatError(ValueError):
    """The state file holds something this version cannot read as baselines."""


class Baselines:
    def __init__(self, state: StateStore, limits: Limits) -> None:
        self.state = state
        self.limits = limits
        self.shards = max(1, min(limits.index_shards, limits.max_principals))
        self.per_shard = limits.max_principals // self.shards  # shards × per_shard <= max_principals
        self._cache: OrderedDict[str, Profile] = OrderedDict()
        #: what this process learned since it last wrote each principal: merged into the stored profile
        self._delta: dict[str, Profile] = {}
        self._index: dict[int, Shard] = {}
        self._touched: set[int] = set()
        self.evicted = 0

    # --- index ------------------------------------------------------------------------------
    def _shard_no(self, key: str) -> int:
        return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=4).digest(),
                              "big") % self.shards

    def _shard(self, no: int, now: float) -> Shard:
        shard = self._index.get(no)
        if shard is None:
            shard = self._index[no] = _shard_of(self.state.get(f"{INDEX}{no}", now), no)
        return shard

    def principals(self, now: float) -> list[str]:
        """Every principal with a baseline (reads every shard: it also checks the index is ours)."""
        return sorted(k for no in range(self.shards) for k in self._shard(no, now))

    # --- profiles ---------------------------------------------------------------------------
    def get(self, key: str, now: float) -> Profile | None:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        if key not in self._shard(self._shard_no(key), now):
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
        no = self._shard_no(key)
        shard = self._shard(no, t.when)
        if prof is None:
            prof = Profile(t.when)
            self._admit(shard, t.when)
            self._remember(key, prof, t.when)
        prof.learn(t, self.limits.values_per_field)
        delta = self._delta.get(key)
        if delta is None:
            delta = self._delta[key] = Profile(t.when)
        delta.learn(t, self.limits.values_per_field)
        if shard.get(key, -1.0) <= t.when:
            shard[key] = t.when
            shard.move_to_end(key)
        self._touched.add(no)
        return prof

    def _admit(self, shard: Shard, now: float) -> None:
        while len(shard) >= self.per_shard:
            # the principal idle the longest leaves; its baseline is rebuilt if it comes back
            oldest, _ = shard.popitem(last=False)
            self._cache.pop(oldest, None)
            self._delta.pop(oldest, None)
            self.state.delete(PREFIX + oldest)
            self.evicted += 1

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
        floor = now - self.limits.profile_ttl_days * DAY
        for no in sorted(self._touched):
            self._flush_shard(no, now, floor)
        self._touched.clear()

    def _flush_shard(self, no: int, now: float, floor: float) -> None:
        ours = self._index[no]
        key = f"{INDEX}{no}"
        for _ in range(_RETRIES):
            raw = self.state.get(key, now)
            merged = _shard_of(raw, no)
            for k, v in ours.items():
                if merged.get(k, -1.0) < v:
                    merged[k] = v
            shard = Shard(sorted(((k, v) for k, v in merged.items() if v >= floor), key=lambda kv: kv[1]))
            while len(shard) > self.per_shard:
                oldest, _ = shard.popitem(last=False)
                self.state.delete(PREFIX + oldest)
                self.evicted += 1
            if self.state.compare_and_set(key, raw, dict(shard), now):
                self._index[no] = shard
                return
        raise StateFormatError(f"baseline index shard {no} could not be written (too many concurrent updates)")

    def stats(self) -> dict[str, Any]:
        return {"principals": sum(len(s) for s in self._index.values()), "cached": len(self._cache),
                "evicted": self.evicted}


def _shard_of(raw: Any, no: int) -> Shard:
    """A stored index shard, least recently active first; a value this version did not write is refused."""
    if raw is None:
        return Shard()
    if isinstance(raw, Mapping) and all(isinstance(v, int | float) for v in raw.values()):
        return Shard(sorted(((str(k), float(v)) for k, v in raw.items()), key=lambda kv: kv[1]))
    raise StateFormatError(f"the baseline index ({INDEX}{no}) is not one this version wrote")
