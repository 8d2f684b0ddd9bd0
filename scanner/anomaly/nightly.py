"""The anomaly job of the nightly invocation: score the last `anomaly.nightly.days` of the configured logs
against the baselines in the deployment's state store. The findings go back under "findings" and the
runtime delivers them through its sinks, deduplicated like any other finding (scanner.live.nightly)."""

from __future__ import annotations

from typing import Any

from scanner.anomaly.batch import score_window
from scanner.anomaly.settings import anomaly_nightly, anomaly_settings
from scanner.config import Config
from scanner.ops.stats import RunStats
from scanner.sources.paths import InputReader
from scanner.state.base import StateStore

DAY = 86_400.0


def run_nightly(config: Config, state: StateStore, now: float) -> dict[str, Any]:
    settings, nightly = anomaly_settings(config), anomaly_nightly(config)
    if not nightly.logs:
        return {"skipped": "anomaly.nightly.logs is not configured"}
    stats = RunStats()
    found = score_window(InputReader(config.limits), state, settings, nightly.logs, now - nightly.days * DAY,
                         now, stats)
    if found is None:
        return {"skipped": "no baselines in the state store yet (auditwarden baseline, or the event "
                           "functions with the anomaly detector on, fill it)"}
    return {"findings": found, "events": stats.events, "inputs": stats.inputs,
            "rejected": sum(stats.rejected.values())}
