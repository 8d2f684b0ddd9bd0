"""The warm state of an event function and what one invocation does with its units.

A unit is what the platform redelivers on its own: one SQS message, one EventBridge event, one CWL
subscription payload, one Pub/Sub message. Each is decoded with the trunk's envelope decoders, run
through the same Scanner as `auditwarden scan`, and its findings delivered once per sink. A unit
fails — and must come back (SQS partial-batch failure, Lambda retry, Pub/Sub redelivery) and in the
end reach a dead-letter queue — when any of its input could not be decoded or evaluated, or when a
sink refused a finding. Nothing is dropped silently; redelivery is safe because delivery is
deduplicated per sink in the state store.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.config import Config
from scanner.detect.aggregate import Aggregator
from scanner.detectors import build_detectors
from scanner.live.clients import Clients
from scanner.live.configcache import ConfigCache
from scanner.live.deliver import Delivery, deliver
from scanner.live.heartbeat import Heartbeat, silence_findings
from scanner.live.metrics import Invocation
from scanner.live.nightly import run_jobs
from scanner.live.settings import LiveSettings, live_settings
from scanner.live.sinks import build_sink
from scanner.model.finding import Finding
from scanner.pipeline import Batch, Scanner
from scanner.sinks.base import Sink, SinkError
from scanner.sources.envelopes import unwrap
from scanner.sources.paths import InputReader
from scanner.sources.records import Rejected
from scanner.state.base import StateStore
from scanner.state.locate import open_store

DAY = 86400.0
#: Rejections named in the invocation line (all are counted; the unit itself goes to the DLQ whole).
MAX_LOGGED_REJECTIONS = 10


@dataclass(frozen=True, slots=True)
class Options:
    config_location: str | None = None
    config_ttl_seconds: float = 60.0
    state: str = ""  # see scanner.state.locate
    function: str = ""
    dead_letter_topic: str = ""  # GCP: poison messages are published here, then acknowledged


@dataclass
class _Wired:
    """Everything built from one configuration; rebuilt when a re-read returns a new one."""

    config: Config
    settings: LiveSettings
    scanner: Scanner
    sinks: list[tuple[Any, Sink]]
    responder: Any  # scanner.respond.engine.Responder: the same gate as `scan --respond`


@dataclass
class UnitResult:
    id: str
    ok: bool
    rejected: list[Rejected] = field(default_factory=list)
    error: str = ""


class Runtime:
    def __init__(self, options: Options, clients: Clients | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.clients = clients or Clients()
        self.clock = clock
        self.sleep = sleep
        self.configs = ConfigCache(options.config_location, options.config_ttl_seconds, self.clients.config)
        self.heartbeat = Heartbeat()
        self._state: StateStore | None = None
        self._wired: _Wired | None = None

    @property
    def state(self) -> StateStore:
        if self._state is None:
            self._state = open_store(self.options.state, self.clients.dynamodb, self.clients.firestore)
        return self._state

    def wired(self) -> _Wired:
        config = self.configs.get()
        if self._wired is None or self._wired.config is not config:
            settings = live_settings(config)
            reader = InputReader(config.limits, self.clients.s3)
            scanner = Scanner(reader, build_detectors(config, self.state), self._aggregator(config))
            sinks = [(spec, build_sink(spec, self.clients)) for spec in settings.sinks]
            self._wired = _Wired(config, settings, scanner, sinks, self._responder(config))
        return self._wired

    def _responder(self, config: Config) -> Any:
        # response.mode in the configuration decides (off / dry_run / enforce); the function's role
        # holds only the IAM actions of the responders Terraform enabled.
        from scanner.respond.engine import Responder, stderr_log

        return Responder(config, self.state, execute=True, clock=self.clock, log=stderr_log)

    @staticmethod
    def _aggregator(config: Config) -> Callable[[], Aggregator]:
        return lambda: Aggregator(config.aggregation_window_seconds, config.max_event_ids)

    def run(self, units: Sequence[tuple[str, Any]], trigger: str) -> tuple[list[UnitResult], Invocation]:
        t0 = time.perf_counter()
        inv = Invocation(trigger, self.options.function)
        w = self.wired()
        inv.config_source = w.config.source
        if self.configs.last_error:
            inv.errors.append(self.configs.last_error)
        results = [self._unit(w, uid, doc, inv) for uid, doc in units]
        try:
            self.heartbeat.flush(self.state, self.clock(), w.settings.heartbeat_write_seconds)
        except Exception as e:  # the heartbeat is bookkeeping: losing one write must not fail the events
            inv.errors.append(f"heartbeat write failed: {type(e).__name__}: {e}")
        inv.units = len(results)
        inv.failed_units = sum(1 for r in results if not r.ok)
        inv.latency_ms = (time.perf_counter() - t0) * 1000
        return results, inv

    def _unit(self, w: _Wired, uid: str, doc: Any, inv: Invocation) -> UnitResult:
        res = UnitResult(uid, True)
        batch = Batch(w.scanner.new_aggregator())
        items = unwrap(doc, uid, w.config.limits, w.scanner.reader.read_s3_object)
        w.scanner.scan_items(items, uid, batch, res.rejected.append, self.heartbeat.observe)
        batch.findings.extend(w.scanner.finish(res.rejected.append))
        findings, _ = w.responder.respond_all(batch.findings.results())
        st = batch.stats
        inv.events_in += st.records
        inv.events_normalized += st.events
        inv.skipped.update(st.skipped)
        for r in res.rejected:
            inv.dropped[r.reason] += 1
            if len(inv.rejected) < MAX_LOGGED_REJECTIONS:
                inv.rejected.append({"origin": r.origin[:300], "reason": r.reason, "detail": r.detail[:300]})
        try:
            self._deliver(w, findings, inv)
        except SinkError as e:
            res.error = str(e)
            inv.errors.append(f"{uid}: {e}")
        res.ok = not res.rejected and not res.error
        return res

    def _deliver(self, w: _Wired, findings: list[Finding], inv: Invocation) -> None:
        s = w.settings
        for f in findings:
            inv.findings[f.severity] += 1
            if f.response is not None:
                inv.revocations += sum(r.status == "executed" for r in (f.response, *f.response.others))
        d = Delivery()
        try:
            deliver(findings, w.sinks, self.state, self.clock(), s.dedup_days * DAY, s.sink_attempts,
                    s.sink_backoff_seconds, self.sleep, d)
        finally:
            inv.delivered += d.sent
            inv.duplicates += d.duplicates
            inv.sink_retries += d.retries

    def _emit(self, w: _Wired, findings: Sequence[Finding], inv: Invocation) -> int:
        before = inv.delivered
        self._deliver(w, list(findings), inv)
        return inv.delivered - before

    def nightly(self) -> tuple[dict[str, Any], Invocation]:
        """Silent sources become tamper findings (delivered like any other), then the batch jobs run."""
        t0 = time.perf_counter()
        inv = Invocation("nightly", self.options.function)
        w = self.wired()
        inv.config_source = w.config.source
        now = self.clock()
        tamper = silence_findings(self.state, now, w.settings.heartbeat_max_silence_minutes)
        self._deliver(w, tamper, inv)
        jobs = run_jobs(w.config, self.state, now, emit=lambda found: self._emit(w, found, inv))
        inv.latency_ms = (time.perf_counter() - t0) * 1000
        return {"tamper_findings": len(tamper), "jobs": jobs}, inv
