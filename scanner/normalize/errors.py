from __future__ import annotations

from typing import Any


class NormalizeError(ValueError):
    """A record whose fields have the wrong types or are missing. `reason` is the dead-letter key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def scalar_text(v: Any, what: str) -> str:
    """A field read as text, the same way everywhere: absent or null is "", a scalar is its text,
    an object or a list is a wrong type."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (int, float, bool)):
        return str(v)
    raise NormalizeError("wrong_type", f"{what} is a {type(v).__name__}, expected a string")
