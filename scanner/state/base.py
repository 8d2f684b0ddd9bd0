"""The state interface. Values are JSON-able; `now` is passed in so callers (and tests) own the clock."""

from __future__ import annotations

from typing import Any, Protocol


class StateStore(Protocol):
    def get(self, key: str, now: float) -> Any | None:
        """The value, or None when absent or expired."""
        ...

    def put(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> None: ...

    def put_if_absent(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> bool:
        """Atomically store unless a live value exists. True when this call stored it."""
        ...

    def compare_and_set(
        self, key: str, expected: Any | None, value: Any, now: float, ttl_seconds: float | None = None
    ) -> bool:
        """Atomically replace the live value if it equals `expected` (None = absent)."""
        ...

    def delete(self, key: str) -> None: ...

    def purge_expired(self, now: float) -> int: ...

    def close(self) -> None: ...
