"""In-process state: for one-shot scans without --state, and for tests of callers."""

from __future__ import annotations

import threading
from typing import Any


class MemoryStore:
    #: forgotten when the run ends: detectors that compare with the past (baselines) stay inert on it
    ephemeral = True

    def __init__(self) -> None:
        self._data: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> Any | None:
        hit = self._data.get(key)
        if hit is None:
            return None
        value, expires = hit
        if expires is not None and expires <= now:
            del self._data[key]
            return None
        return value

    def get(self, key: str, now: float) -> Any | None:
        with self._lock:
            return self._live(key, now)

    def put(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> None:
        with self._lock:
            self._data[key] = (value, now + ttl_seconds if ttl_seconds is not None else None)

    def put_if_absent(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> bool:
        with self._lock:
            if self._live(key, now) is not None:
                return False
            self._data[key] = (value, now + ttl_seconds if ttl_seconds is not None else None)
            return True

    def compare_and_set(
        self, key: str, expected: Any | None, value: Any, now: float, ttl_seconds: float | None = None
    ) -> bool:
        with self._lock:
            if self._live(key, now) != expected:
                return False
            self._data[key] = (value, now + ttl_seconds if ttl_seconds is not None else None)
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def purge_expired(self, now: float) -> int:
        with self._lock:
            dead = [k for k, (_, exp) in self._data.items() if exp is not None and exp <= now]
            for k in dead:
                del self._data[k]
            return len(dead)

    def close(self) -> None:
        pass
