"""Learn rules as a scan runs them: callers remembered per group in the state store, bounded and
forgotten, silent while the baseline is young, shared by workers, tuned by configuration."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from scanner.bursts.detector import BurstDetector
from scanner.bursts.rules import DAY, BurstRule, load_burst_rules
from scanner.bursts.settings import apply, burst_settings
from scanner.detectors import parse_settings
from scanner.model.event import Event
from scanner.model.finding import Finding
from scanner.normalize import normalize
from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.records import RawRecord
from scanner.state.memory import MemoryStore
from scanner.state.sqlite import SqliteStore
from scanner.timeutil import rfc3339
from scanner.yamlio import YamlError

RULES = {r.id: r for r in load_burst_rules()}
SA = RULES["gcp.bursts.sa_new_caller"]
CALL: dict[str, Any] = dict(SA.tests[0].steps[0].record)
T0 = 1725170400.0  # 2024-09-01T06:00:00Z


def _call(caller: str, when: float, n: int = 0) -> Event:
    rec = copy.deepcopy(CALL)
    rec["insertId"] = f"call-{caller}-{when}-{n}"
    rec["timestamp"] = rfc3339(when)
    rec["protoPayload"]["authenticationInfo"]["principalEmail"] = caller
    items = [i for i in unwrap(rec, "t", Limits()) if isinstance(i, RawRecord)]
    return normalize(items[0])


def _run(det: BurstDetector, events: list[Event]) -> list[Finding]:
    return [f for ev in events if det.wants(ev.cloud, ev.service, ev.operation, ev.principal_type)
            for f in det.evaluate(ev)]


def _baseline(days: int = 20) -> list[Event]:
    return [_call("ci@acme-tools.iam.gserviceaccount.com", T0 + d * DAY) for d in range(days)]


def test_a_new_caller_after_the_baseline_is_one_finding_naming_the_usual_callers() -> None:
    det = BurstDetector([SA], MemoryStore())
    late = T0 + 21 * DAY
    found = _run(det, [*_baseline(), *(_call("x@evil-proj.iam.gserviceaccount.com", late + i, i) for i in range(5))])
    assert len(found) == 1  # reported once, then it is a known caller
    f = found[0]
    assert f.rule == SA.id and f.principal == "x@evil-proj.iam.gserviceaccount.com"
    assert f.evidence["usual"] == ["ci@acme-tools.iam.gserviceaccount.com"]
    assert f.evidence["principal"] == "x@evil-proj.iam.gserviceaccount.com"


def test_memory_per_service_account_is_bounded_and_keeps_the_recent_callers() -> None:
    state = MemoryStore()
    det = BurstDetector([SA], state)
    callers = [_call(f"c{i}@p.iam.gserviceaccount.com", T0 + i * 60) for i in range(SA.learn.max_values * 3)]
    _run(det, callers)
    sizes = [len(v["seen"]) for v, _ in state._data.values() if isinstance(v, dict) and "seen" in v]
    assert sizes == [SA.learn.max_values]
    late = T0 + 30 * DAY  # the newest callers are still known; the oldest were dropped and are new again
    newest = f"c{SA.learn.max_values * 3 - 1}@p.iam.gserviceaccount.com"
    assert _run(det, [_call(newest, late)]) == []
    assert len(_run(det, [_call("c0@p.iam.gserviceaccount.com", late + 1)])) == 1


def test_a_caller_unused_past_forget_days_is_new_again() -> None:
    det = BurstDetector([SA], MemoryStore())
    _run(det, [_call("old@p.iam.gserviceaccount.com", T0), *_baseline(200)])
    assert len(_run(det, [_call("old@p.iam.gserviceaccount.com", T0 + 201 * DAY)])) == 1


class _CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def compare_and_set(self, key: str, expected: Any, value: Any, now: float,
                        ttl_seconds: float | None = None) -> bool:
        self.writes += 1
        return super().compare_and_set(key, expected, value, now, ttl_seconds)


def test_a_busy_known_caller_costs_reads_not_writes() -> None:
    state = _CountingStore()
    det = BurstDetector([SA], state)
    _run(det, [_call("ci@acme-tools.iam.gserviceaccount.com", T0 + i * 60, i) for i in range(1000)])  # 16 hours
    assert state.writes == 1


def test_workers_sharing_a_state_file_learn_together_and_report_once(tmp_path: Path) -> None:
    path = str(tmp_path / "state.sqlite")
    a, b = BurstDetector([SA], SqliteStore(path)), BurstDetector([SA], SqliteStore(path))
    base = _baseline()
    _run(a, base[0::2])
    _run(b, base[1::2])
    late = T0 + 22 * DAY
    assert _run(b, [_call("ci@acme-tools.iam.gserviceaccount.com", late)]) == []
    new = "stranger@acme.example"
    assert len(_run(a, [_call(new, late + 1)]) + _run(b, [_call(new, late + 2)])) == 1


def _configured(text: str) -> dict[str, BurstRule]:
    cfg = parse_settings(text, "aw.yaml")
    learn_ids = frozenset(r.id for r in RULES.values() if r.learn)
    return {r.id: r for r in apply(list(RULES.values()), burst_settings(cfg, frozenset(RULES), learn_ids))}


def test_the_baseline_length_comes_from_configuration() -> None:
    text = f"detectors:\n  bursts:\n    rules:\n      {SA.id}: {{baseline_days: 3, max_values: 7}}\n"
    rule = _configured(text)[SA.id]
    assert rule.learn is not None and rule.learn.baseline_days == 3 and rule.learn.max_values == 7
    found = _run(BurstDetector([rule], MemoryStore()), [*_baseline(4), _call("new@acme.example", T0 + 4 * DAY)])
    assert len(found) == 1
    assert _run(BurstDetector([SA], MemoryStore()), [*_baseline(4), _call("new@acme.example", T0 + 4 * DAY)]) == []


@pytest.mark.parametrize(("text", "line", "message"), [
    ("detectors:\n  bursts:\n    rules:\n      aws.bursts.mfa_failures:\n        baseline_days: 3\n", 5,
     "applies only to rules that learn"),
    (f"detectors:\n  bursts:\n    rules:\n      {SA.id}:\n        max_values: 0\n", 5, "max_values must be"),
])
def test_bad_learn_configuration_names_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlError, match=rf"aw.yaml:{line}: .*{message}"):
        parse_settings(text, "aw.yaml")
