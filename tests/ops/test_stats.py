"""The run summary names the inputs behind each dead-letter reason, not only counts."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.config import Config
from scanner.ops.stats import EXAMPLES_PER_REASON, RunStats
from scanner.runner import run_scan


def test_summary_names_the_inputs_behind_each_reason(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"broken-{i}.json").write_text('{"Records": [')
    (tmp_path / "odd.json").write_text(json.dumps({"hello": "world"}))
    out = run_scan([str(tmp_path)], Config())
    text = out.stats.human()
    summary = out.stats.to_dict()
    assert summary["dead_letter_reasons"] == {"not_json": 5, "unknown_format": 1}
    broken = summary["dead_letter_inputs"]["not_json"]
    assert len(broken) == EXAMPLES_PER_REASON and all("broken-" in p for p in broken)
    assert summary["dead_letter_inputs"]["unknown_format"] == [str(tmp_path / "odd.json")]
    assert f"unknown_format: {tmp_path / 'odd.json'}" in text
    assert "not_json: " in text and text.split("not_json: ", 1)[1].split("\n", 1)[0].endswith(" …")


def test_examples_are_one_per_input_and_merge_across_workers() -> None:
    a, b = RunStats(), RunStats()
    for n in range(4):
        a.reject("wrong_type", f"a.json#Records[{n}]")
    b.reject("wrong_type", "b.ndjson:7")
    b.reject("wrong_type", "s3://logs/AWSLogs/c.json.gz#Records[0]")
    a.merge(b)
    assert a.rejected["wrong_type"] == 6
    assert a.examples["wrong_type"] == ["a.json#Records[0]", "b.ndjson:7", "s3://logs/AWSLogs/c.json.gz#Records[0]"]


def test_dropped_ancillary_fields_are_counted_not_dead_lettered(tmp_path: Path) -> None:
    entry = json.loads((Path(__file__).parents[1] / "fixtures/audit/formats/gcp_1_logentry_auditlog.json").read_text())
    entry["protoPayload"]["requestMetadata"] = "callerIp=203.0.113.255"
    (tmp_path / "gcp.json").write_text(json.dumps(entry))
    out = run_scan([str(tmp_path / "gcp.json")], Config())
    assert out.stats.dead_lettered == 0 and out.stats.events == 1
    assert out.stats.to_dict()["fields_dropped"] == {"gcp:protoPayload.requestMetadata:wrong_type": 1}
    assert [f.rule for f in out.findings] == ["gcp.iam.impersonation_role_granted"]
