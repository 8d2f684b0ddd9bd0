"""Deliver findings to every sink once: retried with backoff, remembered per sink in the state store.

A finding is marked delivered to a sink only after that sink accepted it, so a redelivered unit skips
what already went out and retries only what did not; a sink that keeps failing raises SinkError and
the unit goes back to the platform (SQS redelivery, Lambda retry, Pub/Sub redelivery) and from there
to its dead-letter queue — the finding is never lost by being marked sent first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from scanner.live.settings import SinkSpec
from scanner.model.finding import SEVERITY_RANK, Finding
from scanner.sinks.base import Sink, SinkError
from scanner.state.base import StateStore

DELIVERED_PREFIX = "delivered:"


@dataclass
class Delivery:
    sent: int = 0
    duplicates: int = 0
    retries: int = 0


def _send_with_retry(sink: Sink, f: Finding, attempts: int, backoff: float, sleep: Callable[[float], None],
                     out: Delivery) -> None:
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            sink.send(f)
            return
        except Exception as e:  # SDK errors come in many classes; all mean "not delivered"
            if attempt == attempts:
                raise SinkError(f"{type(e).__name__}: {e}") from None
            out.retries += 1
            sleep(delay)
            delay *= 2


def deliver(findings: Iterable[Finding], sinks: Sequence[tuple[SinkSpec, Sink]], state: StateStore, now: float,
            ttl_seconds: float, attempts: int, backoff: float,
            sleep: Callable[[float], None] = time.sleep, out: Delivery | None = None) -> Delivery:
    """Counts go into `out` as they happen, so a caller still sees them when a sink raises."""
    out = out if out is not None else Delivery()
    for f in findings:
        for spec, sink in sinks:
            if SEVERITY_RANK[f.severity] < SEVERITY_RANK[spec.min_severity]:
                continue
            key = f"{DELIVERED_PREFIX}{spec.name}:{f.id}"
            if state.get(key, now) is not None:
                out.duplicates += 1
                continue
            try:
                _send_with_retry(sink, f, attempts, backoff, sleep, out)
            except SinkError as e:
                raise SinkError(f"sink {spec.type} failed for finding {f.id}: {e}") from None
            state.put(key, now, now, ttl_seconds)
            out.sent += 1
    return out
