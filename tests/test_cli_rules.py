"""`auditwarden rules list | test`: the pack by cloud and category, burst rules included."""

from __future__ import annotations

import re

import orjson
from click.testing import CliRunner

from scanner.bursts.rules import load_burst_rules
from scanner.cli import cli
from scanner.detect.rules import load_rules


def test_list_groups_the_pack_by_cloud_and_category_with_totals() -> None:
    r = CliRunner().invoke(cli, ["rules", "list"])
    assert r.exit_code == 0, r.output
    headers = re.findall(r"^(aws|gcp) / (\w+) \((\d+)\)$", r.output, re.M)
    every = [*load_rules(), *load_burst_rules()]
    assert {(c, cat) for c, cat, _ in headers} == {(x.cloud, x.category) for x in every}
    assert sum(int(n) for _, _, n in headers) == len(every)
    assert headers == sorted(headers, key=lambda h: (h[0], h[1]))  # one block per group, in order
    aws = sum(1 for x in every if x.cloud == "aws")
    assert f"{len(every)} rules (aws: {aws}, gcp: {len(every) - aws})" in r.output.splitlines()[-1]
    assert "aws.bursts.password_spraying" in r.output


def test_list_jsonl_names_cloud_and_category_of_every_rule() -> None:
    r = CliRunner().invoke(cli, ["rules", "list", "--format", "jsonl"])
    rows = [orjson.loads(line) for line in r.output.splitlines()]
    assert {"aws.root.read_only", "gcp.bursts.gcs_ransom_note"} <= {x["id"] for x in rows}
    assert all(x["cloud"] in ("aws", "gcp") and x["category"] for x in rows)


def test_rules_test_runs_rule_cases_and_burst_sequences() -> None:
    r = CliRunner().invoke(cli, ["rules", "test"])
    assert r.exit_code == 0, r.output
    cases = sum(len(x.tests) for x in [*load_rules(), *load_burst_rules()])
    assert r.output.strip().endswith(f"{cases}/{cases} cases passed across "
                                     f"{len(load_rules()) + len(load_burst_rules())} rules")


def test_validate_counts_the_burst_rules_too() -> None:
    r = CliRunner().invoke(cli, ["rules", "validate"])
    assert r.exit_code == 0 and r.output.strip() == f"{len(load_rules()) + len(load_burst_rules())} rule(s) valid"
