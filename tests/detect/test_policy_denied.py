"""Policy Denied entries (VPC Service Controls): the refused call is not judged as if it had happened,
and the pack's perimeter rule reports it with the refused method, resource and reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from scanner.detect.engine import RuleEngine
from scanner.detect.rules import load_rules
from scanner.pipeline import Scanner
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.records import Rejected
from tests.normalize.corpus import policy_denied_entries

#: A rule about the call itself: it fires on a denied read at its lower severity, as any rule does.
READ_RULE = """\
id: test.storage.read
title: Object read
severity: high
severity_denied: low
category: exposure
cloud: gcp
description: d
remediation: r
match:
  service: storage.googleapis.com
  operation: google.storage.objects.get
tests:
  - name: fires
    expect: true
    record: {insertId: a, logName: projects/p/logs/cloudaudit.googleapis.com%2Fdata_access,
             timestamp: "2024-01-01T00:00:00Z",
             protoPayload: {serviceName: storage.googleapis.com, methodName: google.storage.objects.get}}
  - name: quiet
    expect: false
    record: {insertId: b, logName: projects/p/logs/cloudaudit.googleapis.com%2Fdata_access,
             timestamp: "2024-01-01T00:00:00Z",
             protoPayload: {serviceName: storage.googleapis.com, methodName: google.storage.objects.list}}
"""


def _scan(tmp_path: Path, engine: RuleEngine, entries: list[dict[str, Any]]) -> list[Any]:
    path = tmp_path / "entries.jsonl"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in entries))
    rejected: list[Rejected] = []
    batch = Scanner(InputReader(Limits()), [engine]).scan([str(path)], rejected.append)
    assert rejected == []
    return batch.findings.results()


def test_a_call_refused_by_a_perimeter_is_not_judged_by_rules_about_the_call(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(READ_RULE)
    engine = RuleEngine(load_rules([tmp_path / "rules"]))
    entries = policy_denied_entries()
    ordinary = entries.pop("activity-denied")
    assert _scan(tmp_path, engine, list(entries.values())) == []
    # the same refused read in the Data Access log is an ordinary denied attempt
    [f] = _scan(tmp_path, engine, [ordinary])
    assert (f.rule, f.severity) == ("test.storage.read", "low")


def test_the_perimeter_rule_names_the_refused_call_in_every_spelling(tmp_path: Path) -> None:
    engine = RuleEngine([r for r in load_rules() if r.id == "gcp.vpcsc.violation"])
    entries = policy_denied_entries()
    ordinary = entries.pop("activity-denied")
    found = _scan(tmp_path, engine, [{**e, "insertId": name} for name, e in entries.items()])
    assert len(found) >= 1 and {f.rule for f in found} == {"gcp.vpcsc.violation"}
    assert sum(len(f.event_ids) for f in found) == len(entries)  # folded repeats keep every entry
    f = found[0]
    assert f.action == "google.storage.objects.get"
    assert f.resource == "projects/123/buckets/protected-bucket/objects/private.txt"
    assert f.evidence["violation_reason"] == "NO_MATCHING_ACCESS_LEVEL"
    assert f.evidence["perimeter"] == "accessPolicies/123456789/servicePerimeters/test-perimeter"
    assert f.evidence["source_ip"] == "203.0.113.255"
    assert _scan(tmp_path, engine, [ordinary]) == []
