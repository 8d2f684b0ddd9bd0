"""Rule files: bad ones are refused with the file and line of the problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.detect.engine import RuleEngine
from scanner.detect.rules import load_rules
from scanner.yamlio import YamlError

GOOD = """\
id: test.rule
title: Test
severity: high
category: tamper
cloud: aws
description: d
remediation: r
match:
  service: cloudtrail.amazonaws.com
  operation: [StopLogging]
tests:
  - name: fires
    expect: true
    record: {eventVersion: "1.08", eventSource: cloudtrail.amazonaws.com, eventName: StopLogging,
             eventTime: "2024-01-01T00:00:00Z", eventID: a}
  - name: quiet
    expect: false
    record: {eventVersion: "1.08", eventSource: cloudtrail.amazonaws.com, eventName: StartLogging,
             eventTime: "2024-01-01T00:00:00Z", eventID: b}
"""


def _load(tmp_path: Path, text: str, name: str = "r.yaml") -> list:
    p = tmp_path / name
    p.write_text(text)
    return load_rules([p])


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("severity: high", "severity: urgent", 3, "severity must be one of"),
        ("category: tamper", "category: spooky", 4, "category must be one of"),
        ("  operation: [StopLogging]", "  operation: [StopLogging]\n  nosuchfield: 1", 9,
         "unknown field 'nosuchfield'"),
        ("  operation: [StopLogging]", "  operation: {glub: x}", 9, "unknown operator 'glub'"),
        ("title: Test\n", "", 1, "missing required key 'title'"),
        ("cloud: aws", "cloud: aws\nwhatever: 1", 6, "unknown key 'whatever'"),
        ("cloud: aws", "cloud: aws\nreport_failed: sometimes", 6, "report_failed must be true or false"),
        ("    expect: true", "    expect: yes please", 12, "needs `name`, `expect: true|false`"),
        ("tests:", "tests:\n  - [", 12, ""),  # YAML syntax error
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, old: str, new: str, line: int, message: str) -> None:
    with pytest.raises(YamlError) as e:
        _load(tmp_path, GOOD.replace(old, new, 1))
    assert e.value.path.endswith("r.yaml")
    assert e.value.line >= line - 1 and e.value.line <= line + 1, str(e.value)
    assert message in str(e.value)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD)
    with pytest.raises(YamlError, match=r"duplicate rule id 'test\.rule'"):
        load_rules([tmp_path])


def test_index_by_service_and_operation(tmp_path: Path) -> None:
    [rule] = _load(tmp_path, GOOD)
    engine = RuleEngine([rule])
    assert engine.candidates("aws", "cloudtrail.amazonaws.com", "StopLogging", "IAMUser") == (rule,)
    assert engine.candidates("aws", "cloudtrail.amazonaws.com", "StartLogging", "IAMUser") == ()
    assert engine.candidates("gcp", "cloudtrail.amazonaws.com", "StopLogging", "") == ()


def test_engine_cost_does_not_grow_with_unrelated_rules(tmp_path: Path) -> None:
    rules = []
    for i in range(300):
        rules.extend(_load(tmp_path, GOOD.replace("test.rule", f"r{i}").replace("StopLogging", f"Op{i}", 2),
                           name=f"r{i}.yaml"))
    engine = RuleEngine(rules)
    # each operation reaches exactly its own rule, however many others exist
    assert [r.id for r in engine.candidates("aws", "cloudtrail.amazonaws.com", "Op7", "")] == ["r7"]


def test_the_bundled_packs_load_from_a_current_cache_as_parsed_and_without_yaml(tmp_path: Path) -> None:
    """A scan starts by loading ~120 rule files; parsing them with PyYAML every time cost more than judging
    thousands of records. From the user cache they must be the same rules, cases and lines."""
    env = {**os.environ, "AUDITWARDEN_CACHE": str(tmp_path / "cache")}
    probe = ("import sys\nfrom scanner.detect.rules import load_rules\n"
             "from scanner.bursts.rules import load_burst_rules\n"
             "rules, bursts = load_rules(), load_burst_rules()\n"
             "print(repr([(r.id, r.source, r.index, r.tests, r.early.raw_paths) for r in rules]))\n"
             "print(repr([(b.id, b.source, b.index, b.tests) for b in bursts]))\n"
             "print('yaml' in sys.modules)")

    def run() -> list[str]:
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()

    parsed, cached = run(), run()
    assert parsed[-1] == "True" and cached[-1] == "False"  # the first load parses and fills the cache
    assert cached[:-1] == parsed[:-1] and len(parsed[0]) > 10_000
