"""What the scan pipeline asks of every detector (rules engine, provenance, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from scanner.model.event import Event
from scanner.model.finding import Finding


class Detector(Protocol):
    """Optional: `gate(cloud, service, operation, ptype)` returns a check of a wanted key's raw records
    that is False only when this detector can find nothing in one (or None: it must see them all); the
    scan skips normalizing a record every interested detector's gate refuses (see detect/early.py)."""

    name: str

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        """Cheap pre-check on a record's quick key; False means the record is not normalized for it."""
        ...

    def evaluate(self, ev: Event) -> Iterable[Finding]: ...

    def finish(self) -> Iterable[Finding]:
        """Findings that could only be decided once all input was seen."""
        ...
