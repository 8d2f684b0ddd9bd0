"""`auditwarden baseline` (learn per-principal behaviour) and `auditwarden anomaly` (score principal-hours).

A state file that is corrupt or belongs to another program is a usage error (exit 2), never a traceback.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click

from scanner.anomaly.features import Traits, principal_key
from scanner.anomaly.settings import AnomalySettings, anomaly_settings
from scanner.anomaly.store import Baselines, StateFormatError
from scanner.model.event import Event
from scanner.model.finding import SEVERITIES
from scanner.ops.stats import RunStats

DAY = 86_400.0


class _UsageError(click.ClickException):
    exit_code = 2


def _config(config_path: str | None) -> tuple[Any, AnomalySettings]:
    from scanner.detectors import load_settings
    from scanner.yamlio import YamlError

    try:
        config = load_settings(config_path)
        return config, anomaly_settings(config)
    except YamlError as e:
        raise _UsageError(f"configuration: {e}") from None


def _traits(paths: Sequence[str], config: Any, s: AnomalySettings, stats: RunStats,
            days: float | None) -> Iterator[tuple[Event, Traits]]:
    from scanner.anomaly.batch import log_traits
    from scanner.anomaly.geo import GeoError, geo_lookup
    from scanner.sources.paths import InputError, InputReader

    try:
        geo = geo_lookup(s)
    except GeoError as e:
        raise _UsageError(str(e)) from None
    reader = InputReader(config.limits)
    try:
        floor = -1.0
        if days is not None:  # the window ends at the newest event of the input, not at the wall clock
            newest = max((t.when for _, t in log_traits(reader, paths, RunStats())), default=0.0)
            floor = newest - days * DAY
        yield from log_traits(reader, paths, stats, geo, floor)
    except InputError as e:
        raise _UsageError(str(e)) from None


def _with_state(state_path: str, work: Callable[[Any], None]) -> None:
    from scanner.state.sqlite import SqliteStore

    try:
        store = SqliteStore(state_path)
    except ValueError as e:
        raise _UsageError(str(e)) from None
    try:
        work(store)
    except StateFormatError as e:
        raise _UsageError(f"state file {state_path}: {e}") from None
    except sqlite3.DatabaseError as e:
        raise _UsageError(f"state file {state_path}: not usable ({e})") from None
    finally:
        store.close()


def _summary(stats: RunStats, extra: dict[str, Any]) -> None:
    parts = " ".join(f"{k}={v}" for k, v in extra.items())
    sys.stderr.write(f"{stats.human()} {parts}\n")


@click.command("baseline")
@click.argument("paths", nargs=-1, required=True)
@click.option("--state", "state_path", required=True, help="SQLite state file the baselines are kept in")
@click.option("--days", type=click.FloatRange(min=0, min_open=True), help="learn only the last N days of the input")
@click.option("--config", "config_path", help="auditwarden.yaml (default: $AUDITWARDEN_CONFIG, ./auditwarden.yaml)")
def baseline(paths: Sequence[str], state_path: str, days: float | None, config_path: str | None) -> None:
    """Learn what each principal normally does from audit logs (into --state)."""
    config, s = _config(config_path)
    stats = RunStats()
    t0 = time.perf_counter()
    info: dict[str, Any] = {}

    def work(store: Any) -> None:
        base = Baselines(store, s.limits)
        newest = 0.0
        for ev, t in _traits(paths, config, s, stats, days):
            base.learn(principal_key(ev), t)
            newest = max(newest, t.when)
        base.flush(newest or time.time())
        info.update(base.stats())

    _with_state(state_path, work)
    stats.seconds = time.perf_counter() - t0
    _summary(stats, info)
    if stats.inputs and stats.inputs == stats.inputs_unreadable:
        sys.exit(2)


@click.command("anomaly")
@click.argument("paths", nargs=-1, required=True)
@click.option("--state", "state_path", required=True, help="SQLite state file with baselines (auditwarden baseline)")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="write findings here")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True)
@click.option("--config", "config_path", help="auditwarden.yaml (default: $AUDITWARDEN_CONFIG, ./auditwarden.yaml)")
def anomaly(paths: Sequence[str], state_path: str, fmt: str, output: str | None, fail_on: str,
            config_path: str | None) -> None:
    """Score every principal-hour of the input against its baseline (pandas + pyod); report the budget's worth."""
    from scanner.cli import _exit_for, _write_findings

    try:
        from scanner.anomaly import scoring  # noqa: F401  (checked here: a usage error, not a traceback)
    except ImportError as e:
        raise _UsageError(f"anomaly scoring needs pandas and pyod: pip install 'auditwarden[anomaly]' ({e})") from None
    from scanner.anomaly.batch import hour_findings

    config, s = _config(config_path)
    stats = RunStats()
    t0 = time.perf_counter()
    found: list[Any] = []

    def work(store: Any) -> None:
        found.extend(hour_findings(_traits(paths, config, s, stats, None), Baselines(store, s.limits), s))

    _with_state(state_path, work)
    stats.seconds = time.perf_counter() - t0
    _write_findings(found, fmt, output)
    _summary(stats, {"findings": len(found)})
    if stats.inputs and stats.inputs == stats.inputs_unreadable:
        sys.exit(2)
    sys.exit(_exit_for(found, fail_on))
