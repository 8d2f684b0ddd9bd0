from __future__ import annotations


class NormalizeError(ValueError):
    """A record whose fields have the wrong types or are missing. `reason` is the dead-letter key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
