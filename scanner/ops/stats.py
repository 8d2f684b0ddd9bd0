"""Run statistics: what came in, what was dead-lettered and why, what was found, how fast."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from scanner.model.finding import SEVERITIES

#: Inputs named per dead-letter reason in the summary: enough to open the file, short enough to read.
EXAMPLES_PER_REASON = 3


def _input_of(origin: str) -> str:
    """The input behind a record's origin: `trail.json.gz#Records[3]`, `export.ndjson:12` → the file."""
    head = origin.split("#", 1)[0]
    return re.sub(r":[0-9]+$", "", head)


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
    #: reason → the first record origins (one per input, EXAMPLES_PER_REASON inputs at most)
    examples: dict[str, list[str]] = field(default_factory=dict)
    #: fields dropped from records that were still judged (wrong-typed ancillary fields), by note
    dropped_fields: Counter[str] = field(default_factory=Counter)

    def reject(self, reason: str, origin: str) -> None:
        """Count a dead letter and remember where it came from, so the summary can name the inputs."""
        self.rejected[reason] += 1
        self._example(reason, origin)

    def _example(self, reason: str, origin: str) -> None:
        seen = self.examples.setdefault(reason, [])
        if len(seen) < EXAMPLES_PER_REASON and all(_input_of(o) != _input_of(origin) for o in seen):
            seen.append(origin[:300])

    def merge(self, other: RunStats) -> None:
        self.inputs += other.inputs
        self.inputs_unreadable += other.inputs_unreadable
        self.records += other.records
        self.events += other.events
        self.rejected.update(other.rejected)
        self.skipped.update(other.skipped)
        self.dropped_fields.update(other.dropped_fields)
        for reason, origins in other.examples.items():
            for o in origins:
                self._example(reason, o)

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
            "dead_letter_inputs": {k: list(v) for k, v in sorted(self.examples.items())},
            "fields_dropped": dict(sorted(self.dropped_fields.items())),
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
            for reason, n in sorted(self.rejected.items()):
                where = self.examples.get(reason, [])
                if where:
                    more = " …" if n > len(where) else ""
                    lines.append(f"    {reason}: {', '.join(where)}{more}")
        if self.dropped_fields:
            lines.append("  judged without a wrong-typed field: "
                         + ", ".join(f"{k}={v}" for k, v in sorted(self.dropped_fields.items())))
        if self.skipped:
            lines.append("  skipped on purpose: " + ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())))
        lines.append("  findings: " + ", ".join(f"{s}={n}" for s, n in d["findings"].items()))
        return "\n".join(lines)
