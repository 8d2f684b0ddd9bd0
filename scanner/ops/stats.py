"""Run statistics: what came in, what was dead-lettered and why, what was found, how fast."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scanner.model.finding import SEVERITIES


@dataclass
class RunStats:
    inputs: int = 0
    inputs_unreadable: int = 0  # inputs that yielded nothing but rejections
    records: int = 0  # raw records decoded
    events: int = 0  # records fully normalized
    rejected: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def merge(self, other: RunStats) -> None:
        self.inputs += other.inputs
        self.inputs_unreadable += other.inputs_unreadable
        self.records += other.records
        self.events += other.events
        self.rejected.update(other.rejected)
        self.skipped.update(other.skipped)

    @property
    def dead_lettered(self) -> int:
        return sum(self.rejected.values())

    def to_dict(self) -> dict[str, Any]:
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        return {
            "inputs": self.inputs,
            "inputs_unreadable": self.inputs_unreadable,
            "records": self.records,
            "events_normalized": self.events,
            "dead_lettered": self.dead_lettered,
            "dead_letter_reasons": dict(sorted(self.rejected.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "findings": {s: self.findings.get(s, 0) for s in reversed(SEVERITIES)},
            "seconds": round(self.seconds, 3),
            "records_per_second": round(rate, 1),
        }

    def human(self) -> str:
        d = self.to_dict()
        lines = [
            f"auditwarden: {d['inputs']} input(s), {d['records']} record(s), "
            f"{d['dead_lettered']} dead-lettered, {d['seconds']}s ({d['records_per_second']:.0f} records/s)"
        ]
        if self.rejected:
            lines.append("  dead-lettered: " + ", ".join(f"{k}={v}" for k, v in sorted(self.rejected.items())))
        if self.skipped:
            lines.append("  skipped on purpose: " + ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())))
        lines.append("  findings: " + ", ".join(f"{s}={n}" for s, n in d["findings"].items()))
        return "\n".join(lines)
