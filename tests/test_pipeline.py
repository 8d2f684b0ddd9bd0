"""The scan pipeline: streaming (memory does not grow with input), fast path, detector switches."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import orjson

from scanner.config import Config
from scanner.runner import run_scan
from tests.conftest import AUDIT

RECORD = orjson.loads((AUDIT / "formats" / "gcp_1_logentry_auditlog.json").read_bytes())


def _ndjson_gz(path: Path, n: int) -> None:
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for i in range(n):
            fh.write(orjson.dumps({**RECORD, "insertId": f"id-{i}"}) + b"\n")


#: Measured in a fresh interpreter: tracemalloc counts every thread, and a test worker may still run
#: servers (gRPC, moto) left by earlier tests. A warm-up scan loads what is loaded once per process.
_PEAKS = """
import sys, tracemalloc
from scanner.config import Config
from scanner.runner import run_scan
run_scan([sys.argv[1]], Config())
for path in sys.argv[2:]:
    tracemalloc.start()
    outcome = run_scan([path], Config())
    print(tracemalloc.get_traced_memory()[1], outcome.stats.records)
    tracemalloc.stop()
"""


def _peak_scans(warm: Path, *paths: Path) -> list[tuple[int, int]]:
    out = subprocess.run([sys.executable, "-c", _PEAKS, str(warm), *map(str, paths)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).resolve().parent.parent).stdout
    return [(int(a), int(b)) for a, b in (line.split() for line in out.splitlines())]


def test_memory_does_not_grow_with_ndjson_size(tmp_path: Path) -> None:
    warm, small, big = tmp_path / "warm.json.gz", tmp_path / "small.json.gz", tmp_path / "big.json.gz"
    _ndjson_gz(warm, 10)
    _ndjson_gz(small, 2_000)
    _ndjson_gz(big, 16_000)
    (peak_small, n_small), (peak_big, n_big) = _peak_scans(warm, small, big)
    assert (n_small, n_big) == (2_000, 16_000)
    big_bytes = len(gzip.decompress(big.read_bytes()))
    # 8x the input must not cost anything like 8x the memory, nor the size of the input
    assert peak_big < 2 * peak_small + 1_000_000
    # (the difference: the rule pack and detectors are a fixed cost that grows with the pack, not the input)
    assert peak_big - peak_small < big_bytes / 4


def test_records_no_detector_wants_are_counted_but_not_normalized(tmp_path: Path) -> None:
    p = tmp_path / "x.json.gz"
    _ndjson_gz(p, 50)
    outcome = run_scan([str(p)], Config(detectors={"rules": True}))
    assert outcome.stats.records == 50
    assert outcome.stats.events <= 50
    off = run_scan([str(p)], Config(detectors={name: False for name in ("rules", "provenance")}))
    assert off.stats.records == 50 and off.stats.events == 0 and off.findings == []


class _Broken:
    name = "broken"

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return True

    def evaluate(self, ev: object) -> list[object]:
        raise KeyError("a bug in a detector")

    def finish(self) -> list[object]:
        return []


def test_a_failing_detector_costs_its_events_not_the_batch(tmp_path: Path) -> None:
    from scanner.detect.engine import RuleEngine
    from scanner.detect.rules import load_rules
    from scanner.pipeline import Scanner
    from scanner.sources.limits import Limits
    from scanner.sources.paths import InputReader

    rejected = []
    scanner = Scanner(InputReader(Limits()), [_Broken(), RuleEngine(load_rules())])  # type: ignore[list-item]
    batch = scanner.scan([str(AUDIT / "formats" / "aws_1_cloudtrail_s3_object.json")], rejected.append)
    assert [f.rule for f in batch.findings.results()] == ["aws.cloudtrail.logging_stopped"]
    assert [r.reason for r in rejected] == ["detector_failed:broken"]
    assert batch.stats.rejected["detector_failed:broken"] == 1


class _BrokenFinish(_Broken):
    name = "broken_finish"

    def wants(self, cloud: str, service: str, operation: str, ptype: str) -> bool:
        return False

    def finish(self) -> list[object]:
        raise RuntimeError("deferred decisions lost")


def test_a_detector_failing_at_the_end_keeps_the_other_findings() -> None:
    from scanner.detect.engine import RuleEngine
    from scanner.detect.rules import load_rules
    from scanner.pipeline import Scanner
    from scanner.sources.limits import Limits
    from scanner.sources.paths import InputReader

    rejected = []
    scanner = Scanner(InputReader(Limits()), [_BrokenFinish(), RuleEngine(load_rules())])  # type: ignore[list-item]
    batch = scanner.scan([str(AUDIT / "formats" / "aws_1_cloudtrail_s3_object.json")], rejected.append)
    assert scanner.finish(rejected.append) == []
    assert [f.rule for f in batch.findings.results()] == ["aws.cloudtrail.logging_stopped"]
    assert [r.reason for r in rejected] == ["detector_failed:broken_finish"]
