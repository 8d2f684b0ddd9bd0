"""The trigger table reads targets from trusted fields only, and the gate's pure rails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.config import ResponseConfig
from scanner.detectors import parse_settings
from scanner.model.finding import Finding, Response, finding_from_dict
from scanner.respond import model as m
from scanner.respond.gate import effective_mode, refusal_before_lookup, triggers
from scanner.respond.ledger import Ledger
from scanner.respond.triggers import TRIGGERS, requests_for
from scanner.state.memory import MemoryStore
from scanner.yamlio import YamlError

KEY = "AKIARZPUZDIKKPWF4IX7"  # auditwarden:allow (moto-shaped key ID of no user)
GKEY = "projects/acme-prod/serviceAccounts/ci@acme-prod.iam.gserviceaccount.com/keys/" + "a1" * 20


def finding(rule: str, cloud: str = "aws", **kw: Any) -> Finding:
    base: dict[str, Any] = {"id": "f", "rule": rule, "title": "t", "severity": "critical", "category": "secret",
                            "cloud": cloud, "account": "123456789012", "principal": "", "action": "",
                            "resource": "", "time": "2026-11-30T00:00:00Z"}
    return Finding(**{**base, **kw})


def targets(f: Finding) -> list[tuple[str, str]] | None:
    reqs = requests_for(f)
    return None if reqs is None else [(r.kind, r.target) for r in reqs]


def test_every_trigger_names_a_rule_that_exists() -> None:
    from scanner.detect.rules import load_rules
    from scanner.provenance.findings import RULE_IDS
    from scanner.secrets.pack import load_pack

    known = {r.id for r in load_rules()} | set(RULE_IDS.values()) | {d.id for d in load_pack()}
    assert set(TRIGGERS) <= known


@pytest.mark.parametrize(("f", "expected"), [
    (finding("secrets.aws.access_key", "git", evidence={"paired": True, "revocation": {"access_key_id": KEY}}),
     [(m.AWS_KEY, KEY)]),
    (finding("aws.health.credentials_exposed", evidence={"affected_keys": [KEY, KEY, "i-0abc"]}), [(m.AWS_KEY, KEY)]),
    (finding("aws.iam.compromised_key_quarantine", evidence={"user": "ci"}),
     [(m.AWS_USER_QUARANTINE, "arn:aws:iam::123456789012:user/ci")]),
    (finding("gcp.iam.key_disabled_exposed", "gcp", resource=GKEY), [(m.GCP_KEY, GKEY)]),
    (finding("provenance.unexpected_deployer", evidence={"key_kind": "long_lived", "access_key_id": KEY}),
     [(m.AWS_KEY, KEY)]),
    (finding("provenance.long_lived_key", "gcp",
             evidence={"key_kind": "long_lived", "access_key_id": "//iam.googleapis.com/" + GKEY}),
     [(m.GCP_KEY, GKEY)]),
    (finding("provenance.oidc_subject_mismatch", principal="arn:aws:iam::123456789012:role/gha-deploy",
             evidence={"principal_type": "AssumedRole", "key_kind": "temporary", "access_key_id": "ASIAEXAMPLE"}),
     [(m.AWS_ROLE_SESSIONS, "arn:aws:iam::123456789012:role/gha-deploy")]),
])
def test_targets_come_from_the_trusted_field(f: Finding, expected: list[tuple[str, str]]) -> None:
    assert targets(f) == expected


@pytest.mark.parametrize("f", [
    # a lone key ID: nothing proves the secret leaked
    finding("secrets.aws.access_key", "git", evidence={"paired": False, "revocation": {"access_key_id": KEY}}),
    # temporary keys expire on their own and cannot be deactivated
    finding("secrets.aws.access_key", "git",
            evidence={"paired": True, "revocation": {"access_key_id": "ASIA" + KEY[4:]}}),
    # the caller used a session key; the key ID is only in the user agent / the rest of the evidence
    finding("provenance.unexpected_deployer", evidence={"key_kind": "temporary", "access_key_id": "ASIAEXAMPLE",
                                                         "user_agent": f"aws-cli {KEY}", "subject": KEY}),
    # a user name that is not one (text from the request) never becomes an ARN
    finding("aws.iam.compromised_key_quarantine", evidence={"user": "ci/../../root"}),
])
def test_nothing_to_act_on(f: Finding) -> None:
    assert targets(f) == []


def test_rules_without_a_response_do_not_trigger() -> None:
    f = finding("aws.iam.access_key_for_other_user", evidence={"new_access_key_id": KEY, "access_key_id": KEY,
                                                               "key_kind": "long_lived"})
    assert targets(f) is None


def test_gate() -> None:
    cfg = ResponseConfig(mode="enforce", protected_principals=("arn:aws:iam::*:role/break-glass*",),
                         disabled_actions=(m.GCP_SA,), min_severity="high")
    assert effective_mode(cfg, execute=False) == "dry_run" and effective_mode(cfg, execute=True) == "enforce"
    assert effective_mode(ResponseConfig(mode="dry_run"), execute=True) == "dry_run"
    assert effective_mode(ResponseConfig(mode="off"), execute=True) == "off"
    assert "protected" in refusal_before_lookup(cfg, m.Request(m.AWS_ROLE_SESSIONS,
                                                               "arn:aws:iam::1:role/break-glass-2", "x"))
    assert "disabled_actions" in refusal_before_lookup(cfg, m.Request(m.GCP_SA, "a@b", "x"))
    assert triggers(cfg, "critical") and not triggers(cfg, "medium")


def test_cap_counts_an_action_once_and_refuses_past_the_limit() -> None:
    ledger = Ledger(MemoryStore())
    assert ledger.take_slot(2, 1000.0, "a") and ledger.take_slot(2, 1001.0, "a")  # redelivered: same slot
    assert ledger.take_slot(2, 1002.0, "b") and not ledger.take_slot(2, 1003.0, "c")
    assert ledger.used(1003.0) == 2 and ledger.take_slot(2, 1000.0 + 3600.0, "c")  # the hour slides


def test_config_response_keys(tmp_path: Path) -> None:
    c = parse_settings("response:\n  mode: off\n  min_severity: critical\n  aws_role: "
                       "\"arn:aws:iam::{account}:role/r\"\n  disabled_actions: [gcp-sa]\n", "a.yaml")
    r = c.response
    assert (r.mode, r.min_severity, r.aws_role, r.disabled_actions) == ("off", "critical",
                                                                        "arn:aws:iam::{account}:role/r", ("gcp-sa",))
    for text, line in [("response:\n  mode: enforce\n  disabled_actions: [aws-keys]\n", 3),
                       ("response:\n  min_severity: urgent\n", 2),
                       ("response:\n  aws_role: responder\n", 2),
                       ("response:\n  mode: enforce\n  max_actions_per_our: 3\n", 3)]:
        with pytest.raises(YamlError) as e:
            parse_settings(text, "a.yaml")
        assert e.value.line == line, text


def test_finding_round_trips_with_its_response_block() -> None:
    f = finding("secrets.aws.access_key", evidence={"paired": True}).with_(
        response=Response(m.AWS_KEY, "enforce", m.EXECUTED, "act-1", "why", KEY,
                          (Response(m.AWS_KEY, "enforce", m.ALREADY_DONE),)))
    assert finding_from_dict(f.to_dict()) == f
    with pytest.raises(ValueError):
        finding_from_dict({"id": "x", "rule": "r", "severity": "urgent"})
