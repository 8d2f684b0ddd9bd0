"""Run a burst rule's test sequences: each must produce exactly the number of findings it expects."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from scanner.bursts.detector import BurstDetector
from scanner.bursts.rules import BurstCase, BurstRule, Step
from scanner.detect.ruletest import CaseResult
from scanner.normalize import NormalizeError, normalize
from scanner.normalize.keys import quick_key
from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.records import RawRecord
from scanner.state.memory import MemoryStore
from scanner.timeutil import epoch_seconds, rfc3339

#: where a record keeps its id and time, per wire shape (CloudTrail, GCP LogEntry)
_ID_KEYS = ("eventID", "insertId")
_TIME_KEYS = ("eventTime", "timestamp")


#: a burst case's outcome, `fired` counting its findings (a type alias: build results with CaseResult)
BurstResult = CaseResult[BurstRule, BurstCase]


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        nxt = doc.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            doc[part] = nxt
        doc = nxt
    doc[path[-1]] = value


def expand(step: Step, step_no: int) -> Iterator[dict[str, Any]]:
    """The step's records: copies `every_seconds` apart with fresh ids and the `vary` values cycled."""
    for i in range(step.repeat):
        rec: dict[str, Any] = copy.deepcopy(dict(step.record))
        for key in _ID_KEYS:
            if isinstance(rec.get(key), str):
                rec[key] = f"{rec[key]}-{step_no}-{i}"
        for key in _TIME_KEYS:
            t = epoch_seconds(rec[key]) if isinstance(rec.get(key), str) else None
            if t is not None:
                rec[key] = rfc3339(t + i * step.every_seconds)
        for path, values in step.vary:
            _set(rec, path, values[i % len(values)])
        yield rec


def run_burst_case(rule: BurstRule, case: BurstCase) -> BurstResult:
    det = BurstDetector([rule], MemoryStore(), {rule.id: frozenset(case.known)} if case.known else None)
    fired = 0
    for n, step in enumerate(case.steps):
        for rec in expand(step, n):
            for item in unwrap(rec, "test", Limits()):
                if not isinstance(item, RawRecord):
                    return CaseResult(rule, case, fired, "test record is not a recognised audit record")
                try:
                    ev = normalize(item)
                except NormalizeError as e:
                    return CaseResult(rule, case, fired, f"test record does not normalize: {e}")
                if not det.wants(ev.cloud, ev.service, ev.operation, ev.principal_type):
                    continue
                gate = det.gate(*quick_key(item))
                if gate is not None and not gate.check(item.data):  # the scan never judges this record
                    if rule.match(ev) or (rule.then is not None and rule.then(ev)):
                        return CaseResult(rule, case, fired, "the rule's early check (detect/early.py) refuses a "
                                          "record its match or then accepts")
                    continue
                fired += len(list(det.evaluate(ev)))
    return CaseResult(rule, case, fired)


def run_burst_tests(rules: Iterable[BurstRule]) -> list[BurstResult]:
    return [run_burst_case(r, c) for r in rules for c in r.tests]


def missing_cases(rule: BurstRule) -> list[str]:
    out = []
    if not any(c.expect for c in rule.tests):
        out.append("a sequence that must fire (expect: 1 or more)")
    if not any(c.expect == 0 for c in rule.tests):
        out.append("a sequence that must not fire (expect: 0)")
    return out
