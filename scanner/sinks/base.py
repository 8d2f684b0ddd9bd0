"""A sink delivers one finding somewhere outside, or raises. Retries and dedup are the caller's."""

from __future__ import annotations

from typing import Protocol

from scanner.model.finding import Finding


class Sink(Protocol):
    def send(self, finding: Finding) -> None:
        """Deliver or raise; a return means the destination accepted it."""
        ...


class SinkError(Exception):
    """A destination refused a finding (after its own retries); the unit carrying it must be redelivered."""
