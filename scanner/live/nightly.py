"""The nightly invocation (EventBridge Scheduler / Cloud Scheduler): heartbeat check, then the batch jobs.

The report and anomaly jobs need pandas/pyod/jinja2, which the event-path zip does not carry; they run
from the nightly artifact (container image with the `[report,anomaly]` extras). Each job is a module
exposing `run_nightly(config, state, now) -> mapping`, imported only here and only at night. A job
that finds something returns its Findings under "findings": they are handed to `emit` (the runtime's
sinks, deduplicated like the event path's) and the result keeps only how many were delivered.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from scanner.config import Config
from scanner.model.finding import Finding
from scanner.state.base import StateStore

#: job name → module with `run_nightly(config, state, now)`.
NIGHTLY_JOBS: dict[str, str] = {
    "report": "scanner.report.nightly",
    "anomaly": "scanner.anomaly.nightly",
}

NEEDS_ARTIFACT = ("not in this package: deploy the nightly artifact (the image of packaging/nightly.Dockerfile, "
                  "auditwarden[report,anomaly]) and point the schedule at it")


class NightlyFailed(Exception):
    pass


Emit = Callable[[Sequence[Finding]], int]


def _no_sink(found: Sequence[Finding]) -> int:
    return 0


def run_jobs(config: Config, state: StateStore, now: float,
             jobs: Mapping[str, str] = NIGHTLY_JOBS, emit: Emit = _no_sink) -> dict[str, Any]:
    out: dict[str, Any] = {}
    failed = []
    for name, module in jobs.items():
        try:
            mod = importlib.import_module(module)
        except ImportError as e:  # the module, or pandas/pyod under it, is absent: the event-path zip
            out[name] = {"status": "unavailable", "detail": f"{NEEDS_ARTIFACT} ({e.name or module} missing)"}
            continue
        fn = getattr(mod, "run_nightly", None)
        if not callable(fn):
            out[name] = {"status": "unavailable", "detail": f"{module} has no run_nightly entry point"}
            continue
        try:
            raw = fn(config, state, now)
            result = dict(raw) if isinstance(raw, Mapping) else {}
            found = result.pop("findings", None)
            if found is not None:
                result["findings"] = len(found)
                result["delivered"] = emit(found)  # a sink refusing them fails this job, like an event unit
            out[name] = {"status": "ok", **result}
        except Exception as e:  # one job failing must not hide the other's result
            out[name] = {"status": "failed", "error": f"{type(e).__name__}: {e}"}
            failed.append(name)
    if failed:
        raise NightlyFailed(f"nightly job(s) failed: {', '.join(failed)}; results: {out}")
    return out
