"""The burst pack: every rule's sequences produce exactly the findings they expect, each rule has a
sequence that must fire and one that must not, and no rule can see every event."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.bursts.rules import BurstCase, BurstRule, load_burst_rules
from scanner.bursts.ruletest import missing_cases, run_burst_case
from scanner.yamlio import YamlError

RULES = load_burst_rules()
CASES = [(r, c) for r in RULES for c in r.tests]


def test_the_pack_covers_the_issue() -> None:
    ids = {r.id for r in RULES}
    assert {"aws.bursts.console_login_failures_by_ip", "aws.bursts.console_login_failures_by_user",
            "aws.bursts.password_spraying", "aws.bursts.mfa_failures", "aws.bursts.get_password_data",
            "aws.bursts.access_denied_by_principal", "aws.bursts.s3_bulk_deletion", "aws.bursts.s3_ransom_note",
            "aws.bursts.region_first_used", "gcp.bursts.gcs_bulk_deletion", "gcp.bursts.gcs_ransom_note",
            "gcp.bursts.permission_denied_by_principal", "gcp.bursts.sa_new_caller",
            "aws.bursts.ses_recon_new_principal", "aws.bursts.instance_from_unlisted_image"} <= ids


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_both_kinds_of_sequence(rule: BurstRule) -> None:
    assert missing_cases(rule) == []


@pytest.mark.parametrize("rule_case", CASES, ids=lambda rc: f"{rc[0].id}:{rc[1].name}")
def test_burst_case(rule_case: tuple[BurstRule, BurstCase]) -> None:
    rule, case = rule_case
    result = run_burst_case(rule, case)
    assert result.error == "", result.error
    assert result.fired == case.expect, f"{result.where}: {case.name}"


def test_a_rule_that_would_see_every_event_is_refused(tmp_path: Path) -> None:
    by_ip = next(r for r in RULES if r.id == "aws.bursts.console_login_failures_by_ip")
    src = Path(by_ip.source.rsplit(":", 1)[0]).read_text(encoding="utf-8")
    bad = tmp_path / "wild.yaml"
    bad.write_text(src.replace("  service: signin.amazonaws.com\n  operation: ConsoleLogin\n", ""), encoding="utf-8")
    with pytest.raises(YamlError, match=r"wild.yaml:\d+: name match.operation"):
        load_burst_rules([bad])


@pytest.mark.parametrize(("edit", "message"), [
    (("first_seen: principal\n", ""), r"learn needs first_seen"),
    (("scope: group", "scope: everyone"), r"learn.scope is group or detector"),
    (("max_values: 200", "max_values: 0"), r"max_values must be an integer"),
    (("forget_days: 90", "forget_days: 90\n  remember: forever"), r"unknown key learn.'remember'"),
])
def test_a_bad_learn_block_names_file_and_line(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    rule = next(r for r in RULES if r.id == "gcp.bursts.sa_new_caller")
    src = Path(rule.source.rsplit(":", 1)[0]).read_text(encoding="utf-8")
    assert edit[0] in src
    bad = tmp_path / "learn.yaml"
    bad.write_text(src.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(YamlError, match=rf"learn.yaml:\d+: .*{message}"):
        load_burst_rules([bad])
