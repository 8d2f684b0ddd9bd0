"""One structured log line per invocation; on AWS it is also CloudWatch Embedded Metric Format.

EMF: CloudWatch Logs turns the `_aws` directive's named top-level numbers into metrics, so the same
line is the log and the metrics with no API call and no agent.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from scanner.model.finding import SEVERITIES

NAMESPACE = "auditwarden"


@dataclass
class Invocation:
    trigger: str
    function: str = ""
    units: int = 0
    failed_units: int = 0
    events_in: int = 0
    events_normalized: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    delivered: int = 0
    duplicates: int = 0
    sink_retries: int = 0
    revocations: int = 0
    latency_ms: float = 0.0
    config_source: str = ""
    errors: list[str] = field(default_factory=list)
    #: the first few rejections, where and why (never the sample: it is attacker text and may hold secrets)
    rejected: list[dict[str, str]] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return {
            "log": "auditwarden.invocation", "trigger": self.trigger, "function": self.function,
            "config": self.config_source, "units": self.units, "failed_units": self.failed_units,
            "events_in": self.events_in, "events_normalized": self.events_normalized,
            "dropped": dict(sorted(self.dropped.items())), "skipped": dict(sorted(self.skipped.items())),
            "findings": {s: self.findings.get(s, 0) for s in reversed(SEVERITIES)},
            "delivered": self.delivered, "duplicates": self.duplicates, "sink_retries": self.sink_retries,
            "revocations": self.revocations, "latency_ms": round(self.latency_ms, 3), "errors": self.errors[:10],
            "rejected": self.rejected,
        }


def emf_line(inv: Invocation, now: float) -> dict[str, Any]:
    metrics: dict[str, tuple[float, str]] = {
        "EventsIn": (inv.events_in, "Count"),
        "EventsDropped": (sum(inv.dropped.values()), "Count"),
        "FailedUnits": (inv.failed_units, "Count"),
        "FindingsDelivered": (inv.delivered, "Count"),
        "Revocations": (inv.revocations, "Count"),
        "Latency": (inv.latency_ms, "Milliseconds"),
    }
    for reason, n in inv.dropped.items():
        metrics[f"Dropped.{reason}"] = (n, "Count")
    for sev in SEVERITIES:
        metrics[f"Findings.{sev}"] = (inv.findings.get(sev, 0), "Count")
    line = inv.fields()
    line["_aws"] = {
        "Timestamp": int(now * 1000),
        "CloudWatchMetrics": [{
            "Namespace": NAMESPACE,
            "Dimensions": [["Function"]],
            "Metrics": [{"Name": name, "Unit": unit} for name, (_, unit) in metrics.items()],
        }],
    }
    line["Function"] = inv.function or "auditwarden"
    line.update({name: value for name, (value, _) in metrics.items()})
    return line


def gcp_line(inv: Invocation) -> dict[str, Any]:
    """Cloud Logging reads `severity` and `message` from a JSON line on stdout; the rest is jsonPayload."""
    line = inv.fields()
    line["severity"] = "ERROR" if inv.failed_units or inv.errors else "INFO"
    line["message"] = f"auditwarden {inv.trigger}: {inv.events_in} events, {sum(inv.findings.values())} findings"
    return line


def write_line(line: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(line).decode("utf-8") + "\n")
    sys.stdout.flush()
