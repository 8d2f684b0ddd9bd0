"""`scan` as a function: config + inputs in, aggregated findings and run statistics out."""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from scanner.config import Config
from scanner.detect.aggregate import Aggregator
from scanner.detectors import build_detectors
from scanner.model.finding import Finding
from scanner.ops.deadletter import DeadLetterFile
from scanner.ops.stats import RunStats
from scanner.pipeline import Scanner, scan_parallel
from scanner.sources.paths import InputReader, expand
from scanner.sources.records import Rejected
from scanner.state.base import StateStore
from scanner.state.memory import MemoryStore
from scanner.state.sqlite import SqliteStore


@dataclass
class Outcome:
    findings: list[Finding]
    stats: RunStats


def open_state(path: str | None, ephemeral: bool = False) -> StateStore:
    return SqliteStore(path, ephemeral=ephemeral) if path else MemoryStore()


def run_scan(paths: Sequence[str], config: Config, *, state_path: str | None = None, jobs: int = 1,
             dead_letter: IO[bytes] | None = None, progress: bool = False, respond: bool = False,
             respond_clients: Any = None, scratch: bool = False) -> Outcome:
    names = list(expand(list(paths)))
    if jobs > 1 and len(names) > 1 and not state_path:
        # Workers see different files; cross-file links (an OIDC login in one file, the deploy in
        # another) must meet somewhere. Without --state they meet in a scratch SQLite file.
        with tempfile.TemporaryDirectory(prefix="auditwarden-") as tmp:
            return run_scan(paths, config, state_path=str(Path(tmp) / "state.sqlite"), jobs=jobs,
                            dead_letter=dead_letter, progress=progress, respond=respond,
                            respond_clients=respond_clients, scratch=True)
    dl = DeadLetterFile(dead_letter) if dead_letter else None
    on_reject: Callable[[Rejected], None] = dl.write if dl else (lambda r: None)
    state = open_state(state_path, scratch)
    t0 = time.perf_counter()

    def new_aggregator() -> Aggregator:
        return Aggregator(config.aggregation_window_seconds, config.max_event_ids, config.max_distinct_values)

    def make() -> Scanner:
        # Each worker opens its own state connection; SQLite serialises writers itself.
        return Scanner(InputReader(config.limits), build_detectors(config, open_state(state_path, scratch)),
                       new_aggregator)

    # Built before any worker forks: what detectors load once per process (the compiled rule pack) is
    # inherited by every worker instead of being loaded again in each.
    finishing = Scanner(InputReader(config.limits), build_detectors(config, state), new_aggregator)
    # Modules and the pack live as long as the scan: the collector need not walk them again and again
    # while records come and go (and forked workers do not copy their pages by walking them).
    gc.freeze()
    with _progress(progress, len(names)) as advance:
        if jobs > 1 and len(names) > 1:
            batch = scan_parallel(make, new_aggregator, names, jobs, on_reject, advance, parent=finishing)
        else:
            batch = finishing.scan(names, on_reject, advance)
    agg = batch.findings

    def count_and_reject(r: Rejected) -> None:
        batch.stats.reject(r.reason, r.origin)
        on_reject(r)

    agg.extend(finishing.finish(count_and_reject))
    findings = agg.results()
    if respond:  # in-process, as the Lambda does: the same gate as `auditwarden respond`
        from scanner.respond.engine import Responder, stderr_log
        from scanner.respond.ledger import default_state_path

        # the cap and audit trail persist even when the scan's own state is in memory or a scratch file
        # (a parallel scan without --state): respond, revoke and undo must find them
        ledger = state if state_path and not scratch else SqliteStore(default_state_path())
        findings, _ = Responder(config, ledger, execute=True, clients=respond_clients,
                                log=stderr_log).respond_all(findings)
        if ledger is not state:
            ledger.close()
    stats = batch.stats
    stats.seconds = time.perf_counter() - t0
    for f in findings:
        stats.findings[f.severity] += 1
    state.close()
    return Outcome(findings, stats)


class _progress:
    """A rich progress bar over inputs on a TTY; a no-op otherwise."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled = enabled and total > 1
        self.total = total
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[str], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import Progress

        # stderr: stdout carries findings (`scan > findings.jsonl` with the bar on the terminal)
        self._bar = Progress(console=Console(stderr=True), transient=True)
        self._bar.start()
        self._task = self._bar.add_task("scanning", total=self.total)
        return lambda name: self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
