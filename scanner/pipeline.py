"""The scan: inputs → records → (only where some detector cares) Events → findings.

Pure orchestration: readers, detectors and sinks are passed in. `--jobs N` spreads inputs over
processes; each worker builds its own detectors and clients from the same picklable settings.
Detectors that count across inputs (optional `defer`/`deferred`/`absorb`) only observe in a worker;
the parent judges the observations in input order, as one process would.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scanner.detect.aggregate import Aggregator
from scanner.detect.detector import Detector
from scanner.detect.early import Gate, Paths
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.normalize import NormalizeError, normalize
from scanner.normalize.keys import quick_key
from scanner.ops.stats import RunStats
from scanner.sources.paths import InputReader
from scanner.sources.projection import Projector
from scanner.sources.records import UNWANTED, Item, RawRecord, Rejected, Skipped, record_sample

DetectorFactory = Callable[[], Sequence[Detector]]

#: Checks on a record's bytes start once this many records of a key were refused, and more than
#: REFUSED_PER_PASS of them for each one that passed: decoding the checked paths first costs about
#: half a full parse, which a record that passes pays on top of it.
BYTES_CHECK_AFTER = 16
REFUSED_PER_PASS = 4
#: Verdicts of a key's gates remembered per distinct value of the paths they read (bounded: the values
#: are attacker-controlled text). A trail repeats a few instance types, buckets and keys endlessly.
VERDICTS_PER_KEY = 4096
#: A key's gates are judged on every one of its first GATE_TRIAL parsed records. Where they refused fewer
#: than one in REFUSALS_WORTH_IT, a check that passes is only paid on top of the full match (the engine
#: evaluates every candidate again), so later records skip it; one in GATE_SAMPLE is still judged, and a
#: key whose records start being refused is checked again.
GATE_TRIAL = 64
REFUSALS_WORTH_IT = 32
GATE_SAMPLE = 64


class _Route:
    """The detectors that want one quick key, and what rules out its records before normalizing."""

    __slots__ = ("_check_bytes", "_unchecked", "_verdicts", "detectors", "gates", "open", "passed", "project",
                 "refused")

    def __init__(self, detectors: tuple[Detector, ...], gates: tuple[Gate, ...] | None,
                 project: Projector | None) -> None:
        self.detectors = detectors
        self.gates = gates  # one must pass for a record to be normalized; None: every record is
        self.project = project  # decodes just the paths the gates read
        self.passed = 0
        self.refused = 0
        #: the gates refuse (almost) nothing of this key: parsed records skip them, but for a sample
        self.open = False
        self._unchecked = 0  # records admitted unchecked since the last sampled one
        self._check_bytes = self.admits_bytes
        #: the gates' verdict by the projected paths' bytes (a gate is a pure function of them: early.py)
        self._verdicts: dict[bytes, bool] = {}

    def _judge(self, raw: Any) -> bool:
        assert self.gates is not None
        if len(self.gates) == 1:
            return self.gates[0].check(raw)
        return any(g.check(raw) for g in self.gates)

    def admits(self, raw: Any) -> bool:
        """The gates on a parsed record (always True where the key has none, or they refuse almost
        nothing of it: admitting a record is always safe, the full match decides)."""
        if self.gates is None:
            return True
        if self.open:
            self._unchecked += 1
            if self._unchecked < GATE_SAMPLE:
                return True
            self._unchecked = 0
        ok = self._judge(raw)
        if ok:
            self.passed += 1
        else:
            self.refused += 1
        self.open = self.passed >= GATE_TRIAL and self.refused * REFUSALS_WORTH_IT < self.passed
        return ok

    def admits_bytes(self, doc: Any) -> bool:
        """The gates on a record's bytes; a record of an unexpected shape passes (it is then parsed
        whole, and the gates judge the parsed record)."""
        assert self.project is not None
        got = self.project.keyed(doc)
        if got is None:
            return True
        seen, value = got
        ok = self._verdicts.get(seen)
        if ok is None:
            raw = self.project.plain(value)
            if raw is None:
                return True
            ok = self._judge(raw)
            if len(self._verdicts) < VERDICTS_PER_KEY:
                self._verdicts[seen] = ok
        if not ok:
            self.refused += 1  # a record that passes is counted when the parsed record is judged
        return ok

    def on_bytes(self) -> Callable[[Any], bool] | None:
        """The check on bytes, once most records of this key have been refused; else None (parse first)."""
        if self.project is None or self.refused < BYTES_CHECK_AFTER + REFUSED_PER_PASS * self.passed:
            return None
        return self._check_bytes


@dataclass
class Batch:
    findings: Aggregator
    stats: RunStats = field(default_factory=RunStats)
    rejected: list[Rejected] = field(default_factory=list)


def iter_events(reader: InputReader, name: str, stats: RunStats, on_reject: Callable[[Rejected], None],
                want: Callable[[RawRecord], bool] | None = None) -> Iterator[Event]:
    """Decode and normalize one input; rejections go to on_reject, never raise."""
    return events_of(reader.items(name), stats, on_reject, want)


def events_of(items: Iterable[Item], stats: RunStats, on_reject: Callable[[Rejected], None],
              want: Callable[[RawRecord], bool] | None = None) -> Iterator[Event]:
    """Normalize already-decoded items (one input's worth, e.g. one SQS message); never raises."""
    stats.inputs += 1
    good = 0
    bad = 0
    for item in items:
        if item is UNWANTED:
            stats.records += 1
            good += 1
        elif isinstance(item, RawRecord):
            stats.records += 1
            good += 1
            try:
                if want is not None and not want(item):
                    continue
                ev = normalize(item)
            except NormalizeError as e:
                rej = Rejected(item.origin, e.reason, e.detail, record_sample(item.data))
                stats.reject(rej.reason, rej.origin)
                on_reject(rej)
                continue
            except Exception as e:  # a mapper bug must cost one record, not the batch
                rej = Rejected(item.origin, "normalize_failed", f"{type(e).__name__}: {e}")
                stats.reject(rej.reason, rej.origin)
                on_reject(rej)
                continue
            stats.events += 1
            for note in ev.notes:
                stats.dropped_fields[note] += 1
            yield ev
        elif isinstance(item, Rejected):
            bad += 1
            stats.reject(item.reason, item.origin)
            on_reject(item)
        elif isinstance(item, Skipped):
            good += 1
            stats.skipped[item.reason] += 1
    if bad and not good:
        stats.inputs_unreadable += 1


class Scanner:
    def __init__(self, reader: InputReader, detectors: Sequence[Detector],
                 new_aggregator: Callable[[], Aggregator] = Aggregator) -> None:
        self.reader = reader
        self.detectors = tuple(detectors)
        self.new_aggregator = new_aggregator
        #: quick key → the detectors that want it and their checks of the raw record
        self._routes: dict[tuple[str, str, str, str], _Route] = {}
        self._projectors: dict[Paths, Projector] = {}

    def _route(self, key: tuple[str, str, str, str]) -> _Route:
        hit = self._routes.get(key)
        if hit is None:
            dets = tuple(d for d in self.detectors if d.wants(*key))
            gates: list[Gate] = []
            for d in dets:
                # optional `gate(key)`: what a detector can rule out from the raw record (detect/early.py)
                make = getattr(d, "gate", None)
                gate = make(*key) if make is not None else None
                if gate is None:
                    break
                gates.append(gate)
            hit = _Route(dets, tuple(gates), self._projector(gates)) if gates and len(gates) == len(dets) \
                else _Route(dets, None, None)
            if len(self._routes) < 100_000:  # bounded: keys come from attacker-controlled text
                self._routes[key] = hit
        return hit

    def _projector(self, gates: list[Gate]) -> Projector | None:
        if any(g.paths is None for g in gates):
            return None
        paths = tuple(sorted({p for g in gates for p in g.paths or ()}))
        project = self._projectors.get(paths)
        if project is None:
            project = self._projectors[paths] = Projector(paths)
        return project

    def _wanted_key(self, key: tuple[str, str, str, str]) -> bool | Callable[[Any], bool]:
        route = self._route(key)
        if not route.detectors:
            return False
        return route.on_bytes() or True

    def _wanted(self, rec: RawRecord) -> bool:
        """Whether some detector may find something in this record: wanted by its key, and not ruled
        out by every interested detector's check of the raw record."""
        route = self._route(quick_key(rec))
        if not route.detectors:
            return False
        return route.admits(rec.data)

    def scan(self, names: Iterable[str], on_reject: Callable[[Rejected], None],
             on_input: Callable[[str], None] | None = None, findings: Aggregator | None = None) -> Batch:
        """`findings`: fold into this aggregator (a --jobs worker's, kept across its inputs)."""
        batch = Batch(findings if findings is not None else self.new_aggregator())
        for name in names:
            self.scan_items(self.reader.items(name, self._wanted_key), name, batch, on_reject)
            if on_input:
                on_input(name)
        return batch

    def scan_items(self, items: Iterable[Item], name: str, batch: Batch, on_reject: Callable[[Rejected], None],
                   observe: Callable[[RawRecord], None] | None = None) -> None:
        """Evaluate one input's decoded items into `batch`. `observe` sees every record decoded, wanted
        or not (the serverless heartbeat counts an account's traffic, not only what detectors read)."""

        def want(rec: RawRecord) -> bool:
            if observe is not None:
                observe(rec)
            return self._wanted(rec)

        for ev in events_of(items, batch.stats, on_reject, want):
            for det in self.detectors:
                if det.wants(ev.cloud, ev.service, ev.operation, ev.principal_type):
                    try:
                        batch.findings.extend(det.evaluate(ev))
                    except Exception as e:  # a detector bug costs one event, never the batch
                        rej = Rejected(f"{name}#event:{ev.id}", f"detector_failed:{det.name}",
                                       f"{type(e).__name__}: {e}", record_sample(ev.raw))
                        batch.stats.reject(rej.reason, rej.origin)
                        on_reject(rej)

    def checkpoint(self, on_reject: Callable[[Rejected], None]) -> None:
        """Let detectors that keep state across runs write it now (optional `checkpoint()`): a
        `--jobs` worker is never finished, so what it learned is written after each input."""
        for det in self.detectors:
            write = getattr(det, "checkpoint", None)
            if write is None:
                continue
            try:
                write()
            except Exception as e:
                on_reject(Rejected(f"checkpoint:{det.name}", f"detector_failed:{det.name}", f"{type(e).__name__}: {e}"))

    def defer(self) -> None:
        """Make this scanner a `--jobs` worker's: detectors with an optional `defer()` observe only."""
        for det in self.detectors:
            switch = getattr(det, "defer", None)
            if switch is not None:
                switch()

    def deferred(self) -> dict[str, Any]:
        """What deferring detectors observed since the last call, by detector name (omitted when empty)."""
        out = {}
        for det in self.detectors:
            take = getattr(det, "deferred", None)
            if take is not None and (payload := take()):
                out[det.name] = payload
        return out

    def absorb(self, deferred: Mapping[str, Any], on_reject: Callable[[Rejected], None]) -> list[Finding]:
        """Judge a worker's observations (the parent, one input at a time, in input order)."""
        out: list[Finding] = []
        for det in self.detectors:
            judge = getattr(det, "absorb", None)
            if judge is None or det.name not in deferred:
                continue
            try:
                out.extend(judge(deferred[det.name]))
            except Exception as e:  # a detector bug loses its deferred decisions, not the run's findings
                on_reject(Rejected(f"absorb:{det.name}", f"detector_failed:{det.name}", f"{type(e).__name__}: {e}"))
        return out

    def finish(self, on_reject: Callable[[Rejected], None] = lambda r: None) -> list[Finding]:
        out: list[Finding] = []
        for det in self.detectors:
            try:
                out.extend(det.finish())
            except Exception as e:  # a detector bug loses its deferred decisions, not the run's findings
                on_reject(Rejected(f"finish:{det.name}", f"detector_failed:{det.name}", f"{type(e).__name__}: {e}"))
        return out


# --- parallel -------------------------------------------------------------------------------
# Each worker folds the findings of all its inputs into one aggregator and hands it over once, at the
# end: shipping each input's folded findings and folding them again in the parent cost more CPU than
# the folding itself (a busy trail yields a finding for one record in ten).
#: how long a worker waits for the others to reach the hand-over (they are idle by then)
HANDOVER_TIMEOUT_SECONDS = 120.0


@dataclass
class _Worker:
    scanner: Scanner
    findings: Aggregator
    handover: Any  # a multiprocessing Barrier for all workers: each takes exactly one hand-over task


_worker: _Worker | None = None


@dataclass
class _InputDone:
    """What a worker returns per input (its findings stay in the worker until the hand-over)."""

    stats: RunStats
    rejected: list[Rejected]
    deferred: dict[str, Any]


def _init_worker(make: Callable[[], Scanner], new_aggregator: Callable[[], Aggregator], handover: Any) -> None:
    global _worker  # process-local: each worker process owns one scanner
    scanner = make()
    scanner.defer()
    _worker = _Worker(scanner, new_aggregator(), handover)


def _scan_one(name: str) -> _InputDone:
    assert _worker is not None
    rejects: list[Rejected] = []
    batch = _worker.scanner.scan([name], rejects.append, findings=_worker.findings)

    def failed(r: Rejected) -> None:
        batch.stats.reject(r.reason, r.origin)
        rejects.append(r)

    _worker.scanner.checkpoint(failed)
    return _InputDone(batch.stats, rejects, _worker.scanner.deferred())


def _hand_over(_: int) -> Aggregator:
    assert _worker is not None
    # every worker must take one of these tasks: the barrier holds each until all have one
    _worker.handover.wait(HANDOVER_TIMEOUT_SECONDS)
    out, _worker.findings = _worker.findings, Aggregator()
    return out


def _count_reject(batch: Batch, r: Rejected, on_reject: Callable[[Rejected], None]) -> None:
    batch.stats.reject(r.reason, r.origin)
    on_reject(r)


def scan_parallel(make: Callable[[], Scanner], new_aggregator: Callable[[], Aggregator], names: Sequence[str],
                  jobs: int, on_reject: Callable[[Rejected], None],
                  on_input: Callable[[str], None] | None = None, parent: Scanner | None = None) -> Batch:
    """Spread inputs over `jobs` processes. Detectors with cross-input state finish in the parent;
    `parent` judges what the workers' deferring detectors observed (without it, nothing does)."""
    total = Batch(new_aggregator())
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(make, new_aggregator, ctx.Barrier(jobs))) as pool:
        # inputs one at a time, in order: an idle worker takes the next (files differ in size)
        for name, done in zip(names, pool.map(_scan_one, names, chunksize=1), strict=True):
            total.stats.merge(done.stats)
            for r in done.rejected:
                on_reject(r)
            if parent is not None and done.deferred:
                total.findings.extend(parent.absorb(done.deferred, lambda r: _count_reject(total, r, on_reject)))
            if on_input:
                on_input(name)
        for found in pool.map(_hand_over, range(jobs)):
            total.findings.merge(found)
    total.stats.seconds = time.perf_counter() - t0
    return total
