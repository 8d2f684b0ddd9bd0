"""The burst detector as a scan runs it: counts shared through the state store, windows on event
time, bounded memory per group, configuration overrides with file:line errors."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from scanner.bursts.detector import BurstDetector
from scanner.bursts.rules import BurstRule, load_burst_rules
from scanner.bursts.ruletest import expand
from scanner.bursts.settings import apply, burst_settings
from scanner.cli import cli
from scanner.detectors import parse_settings
from scanner.model.event import Event
from scanner.normalize import normalize
from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.records import RawRecord
from scanner.state.memory import MemoryStore
from scanner.state.sqlite import SqliteStore
from scanner.timeutil import rfc3339
from scanner.yamlio import YamlError
from tests.conftest import AUDIT

RULES = {r.id: r for r in load_burst_rules()}
BY_IP = RULES["aws.bursts.console_login_failures_by_ip"]
FAIL: dict[str, Any] = dict(BY_IP.tests[0].steps[0].record)
STOP_LOGGING = AUDIT / "formats" / "aws_1_cloudtrail_s3_object.json"


def _event(rec: dict[str, Any]) -> Event:
    items = [i for i in unwrap(rec, "t", Limits()) if isinstance(i, RawRecord)]
    return normalize(items[0])


def _failures(n: int, start: float = 1726110000.0, every: float = 5.0, ip: str = "198.51.100.200") -> list[Event]:
    out = []
    for i in range(n):
        rec = copy.deepcopy(FAIL)
        rec["eventID"] = f"fail-{ip}-{i}"
        rec["eventTime"] = rfc3339(start + i * every)
        rec["sourceIPAddress"] = ip
        out.append(_event(rec))
    return out


def _run(det: BurstDetector, events: list[Event]) -> list[Any]:
    return [f for ev in events if det.wants(ev.cloud, ev.service, ev.operation, ev.principal_type)
            for f in det.evaluate(ev)]


def test_a_burst_is_one_finding_with_every_event_behind_it() -> None:
    found = _run(BurstDetector([BY_IP], MemoryStore()), _failures(BY_IP.threshold))
    assert len(found) == 1
    f = found[0]
    assert f.rule == BY_IP.id and f.severity == BY_IP.severity
    assert f.evidence["source_ip"] == "198.51.100.200" and f.evidence["count"] == BY_IP.threshold
    assert len(f.event_ids) == BY_IP.threshold


def test_two_workers_sharing_a_state_file_count_together(tmp_path: Path) -> None:
    """--jobs 2 splits the failures between processes; the burst must still be seen."""
    path = str(tmp_path / "state.sqlite")
    a, b = BurstDetector([BY_IP], SqliteStore(path)), BurstDetector([BY_IP], SqliteStore(path))
    events = _failures(BY_IP.threshold)
    found = _run(a, events[0::2]) + _run(b, events[1::2])
    assert len(found) == 1


def test_windows_run_on_event_time_not_the_wall_clock() -> None:
    # A replay of old logs, in order but with the burst spread just wider than the window.
    wide = _failures(BY_IP.threshold, every=BY_IP.window_seconds / (BY_IP.threshold - 1) + 1)
    assert _run(BurstDetector([BY_IP], MemoryStore()), wide) == []


def test_memory_per_group_stays_bounded_whatever_the_volume() -> None:
    state = MemoryStore()
    det = BurstDetector([BY_IP], state)
    _run(det, _failures(BY_IP.threshold * 30 + 3))
    lengths = [len(v) for v, _ in state._data.values() if isinstance(v, list)]
    assert lengths and max(lengths) <= BY_IP.threshold


def test_separate_addresses_are_separate_groups() -> None:
    half = BY_IP.threshold // 2 + 1
    events = _failures(half, ip="198.51.100.1") + _failures(half, ip="198.51.100.2")
    assert _run(BurstDetector([BY_IP], MemoryStore()), events) == []


def _settings(text: str) -> list[BurstRule]:
    cfg = parse_settings(text, "aw.yaml")
    s = burst_settings(cfg, frozenset(RULES))
    return apply(list(RULES.values()), s)


def test_thresholds_and_windows_come_from_configuration() -> None:
    rules = {r.id: r for r in _settings(
        "detectors:\n  bursts:\n    rules:\n"
        f"      {BY_IP.id}: {{threshold: 3, window_seconds: 60}}\n"
        "      aws.bursts.access_denied_by_principal: {enabled: false}\n")}
    assert rules[BY_IP.id].threshold == 3 and rules[BY_IP.id].window_seconds == 60
    assert "aws.bursts.access_denied_by_principal" not in rules
    assert len(_run(BurstDetector([rules[BY_IP.id]], MemoryStore()), _failures(3))) == 1


@pytest.mark.parametrize(("text", "line", "message"), [
    ("detectors:\n  bursts:\n    rules:\n      aws.bursts.nope: {threshold: 3}\n", 4, "unknown burst rule"),
    (f"detectors:\n  bursts:\n    rules:\n      {BY_IP.id}:\n        threshold: 0\n", 5, "threshold must be"),
    ("detectors:\n  bursts:\n    thresholds: {}\n", 3, "unknown key 'thresholds'"),
])
def test_bad_configuration_names_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlError, match=rf"aw.yaml:{line}: .*{message}"):
        parse_settings(text, "aw.yaml")


def test_scan_reports_the_burst_through_the_cli(tmp_path: Path) -> None:
    records = [r for n, s in enumerate(BY_IP.tests[0].steps) for r in expand(s, n)]
    (tmp_path / "trail.json").write_bytes(orjson.dumps({"Records": records}))
    cfg = tmp_path / "aw.yaml"
    cfg.write_text("detectors:\n  rules: false\n  provenance: false\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["scan", str(tmp_path / "trail.json"), "--config", str(cfg), "--format", "jsonl"])
    assert r.exit_code == 1, r.output
    findings = [orjson.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert sorted(f["rule"] for f in findings) == [BY_IP.id, "aws.bursts.console_login_failures_by_user"]
    cfg.write_text("detectors:\n  rules: false\n  provenance: false\n  bursts: false\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["scan", str(tmp_path / "trail.json"), "--config", str(cfg), "--format", "jsonl"])
    assert r.exit_code == 0 and r.stdout.strip() == ""


def _split_trail(tmp_path: Path) -> Path:
    """Every burst rule's firing sequence dealt alternately into two files: neither file alone holds
    a burst, so each one only fires when the counts of both files meet (one --jobs worker a file)."""
    a: list[dict[str, Any]] = []
    b: list[dict[str, Any]] = []
    for rule in RULES.values():
        for case in rule.tests:
            if case.expect and not case.known:
                records = [r for n, s in enumerate(case.steps) for r in expand(s, n)]
                a.extend(records[0::2])
                b.extend(records[1::2])
    src = tmp_path / "trail"
    src.mkdir()
    (src / "a.json").write_bytes(orjson.dumps({"Records": a}))
    (src / "b.json").write_bytes(orjson.dumps({"Records": b}))
    return src


@pytest.mark.parametrize("selective", ["1", "0"])
def test_a_burst_split_across_files_fires_with_jobs_2_exactly_as_with_jobs_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, selective: str) -> None:
    monkeypatch.setenv("AUDITWARDEN_SELECTIVE_DECODING", selective)
    src = _split_trail(tmp_path)
    runs = {}
    for jobs in ("1", "2"):
        r = CliRunner().invoke(cli, ["scan", str(src), "--format", "jsonl", "--jobs", jobs])
        assert r.exit_code == 1, r.output
        runs[jobs] = [orjson.loads(line) for line in r.stdout.splitlines() if line.strip()]
    fired = {f["rule"] for f in runs["1"] if ".bursts." in f["rule"]}
    # the split bursts do fire (a count rule, a distinct-count rule, a then-rule, learned callers)
    assert {BY_IP.id, "aws.bursts.access_denied_by_principal", "aws.bursts.s3_ransom_note",
            "gcp.bursts.gcs_bulk_deletion", "gcp.bursts.sa_new_caller", "aws.bursts.ses_recon_new_principal"} <= fired
    assert runs["2"] == runs["1"]  # same findings, ids, counts, event ids and evidence


def test_a_burst_split_across_runs_fires_from_the_state_file_with_jobs_2(tmp_path: Path) -> None:
    """With --state, counts persist between runs: the first half of a burst counted by a one-job run,
    the second half by a --jobs 2 run whose other worker reads an unrelated file."""
    failures = [r for n, s in enumerate(BY_IP.tests[0].steps) for r in expand(s, n)]
    half = len(failures) // 2
    (tmp_path / "first.json").write_bytes(orjson.dumps({"Records": failures[:half]}))
    later = tmp_path / "later"
    later.mkdir()
    (later / "second.json").write_bytes(orjson.dumps({"Records": failures[half:]}))
    shutil.copy(STOP_LOGGING, later / "other.json")
    state = str(tmp_path / "state.sqlite")
    base = ["scan", "--format", "jsonl", "--state", state]
    def by_ip(*args: str) -> int:
        r = CliRunner().invoke(cli, [*base, *args])
        assert r.exit_code in (0, 1), r.output
        return [orjson.loads(line)["rule"] for line in r.stdout.splitlines() if line.strip()].count(BY_IP.id)

    assert by_ip(str(tmp_path / "first.json")) == 0
    assert by_ip(str(later), "--jobs", "2") == 1


def test_a_window_keeps_entries_of_the_last_window_oldest_first_whatever_the_store_held() -> None:
    """Entries come from the store (in order, as written), from a worker out of order, or are junk a
    foreign writer left: the window ends at the latest time seen, is oldest first, drops the junk."""
    from scanner.bursts.detector import _recent

    ordered = [[100.0, "a", "e1"], [150, "b", "e2"], [300.0, "c", "e3"]]
    assert _recent(ordered, 310.0, 200) == [[150, "b", "e2"], [300.0, "c", "e3"]]
    late = [[300.0, "c", "e3"], ["x"], "junk", [120.0, "a", "e1"], [250.0, "b", "e2"], [None, "d", "e4"]]
    assert _recent(late, 200.0, 190) == [[120.0, "a", "e1"], [250.0, "b", "e2"], [300.0, "c", "e3"]]
    assert _recent([], 5.0, 10) == [] and _recent(["junk"], 5.0, 10) == []
    # one time twice: kept in the order given (a stable order, as a sort would give)
    assert _recent([[5, "x", "e1"], [5.0, "y", "e2"]], 5.0, 10) == [[5, "x", "e1"], [5.0, "y", "e2"]]
