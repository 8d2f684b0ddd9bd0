"""The attacker's ways around provenance (issue 11 §1), each written before its fix.

A human assuming the pipeline role, an OIDC subject minted by another provider, a role chain after
an OIDC login, a Lambda named by partial ARN, two attacker IPs folded into one finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.detect.aggregate import Aggregator
from scanner.detectors import parse_settings
from scanner.provenance.settings import check_provenance
from tests.provenance.conftest import ACCT, ALICE, EXEC_SA, GHA, MAIN, PIPELINE, detector, events, run
from tests.provenance.records import (
    GH_PROVIDER,
    assume_role,
    ecr_push,
    ecs_deploy,
    first_party,
    gcp_deploy,
    iam_user,
    lambda_update,
    role_session,
    saml_login,
    web_identity_login,
    wif,
    write_jsonl,
    write_records,
)

BRANCH = "repo:acme/app:ref:refs/heads/feature/x"
POOL = "projects/123456789012/locations/global/workloadIdentityPools/github"
DEPLOYER = "deployer@acme-ci.iam.gserviceaccount.com"
BOOTSTRAP = f"arn:aws:iam::{ACCT}:role/gha-bootstrap"


def policy(pipeline_extra: str = "", gcp_extra: str = "") -> str:
    return f"""
deploy_policy:
  - name: prod (aws)
    cloud: aws
    accounts: ["{ACCT}"]
    resources: ["arn:aws:ecs:*:{ACCT}:*", "arn:aws:ecr:*:{ACCT}:repository/app*",
                "arn:aws:lambda:*:{ACCT}:function:checkout-*"]
    allow:
      - principal: "{PIPELINE}"{pipeline_extra}
      - principal: "{GHA}"
        oidc_provider: "{GH_PROVIDER}"
        oidc_subjects: ["{MAIN}"]
  - name: prod (gcp)
    cloud: gcp
    projects: ["acme-prod"]
    allow:
      - principal: "{DEPLOYER}"
        oidc_provider: "{POOL}/providers/github-actions"
        oidc_subjects: ["{MAIN}"]
      - principal: "{EXEC_SA}"{gcp_extra}
"""


def _both_orders(tmp_path: Path, logins: list[dict[str, object]], calls: list[dict[str, object]],
                 text: str) -> list[list[object]]:
    a = write_records(tmp_path / "logins.json", *logins)
    b = write_records(tmp_path / "calls.json", *calls)
    return [run(detector(text), events(a, b)), run(detector(text), events(b, a))]  # type: ignore[list-item]


# --- a human behind the pipeline role ---------------------------------------------------------
ALICE_ASSUMES = assume_role("assume-1", iam_user("alice"), "codepipeline-prod-role", "alice-debug",
                            "ASIAQNZGKJ3EXAMPLE60", source_identity="alice@acme.example")
ALICE_DEPLOYS = ecs_deploy("deploy-1", role_session("codepipeline-prod-role", "alice-debug", "ASIAQNZGKJ3EXAMPLE60",
                                                    source_identity="alice@acme.example"))


def test_a_human_assuming_the_pipeline_role_is_a_finding_naming_the_origin(tmp_path: Path) -> None:
    for findings in _both_orders(tmp_path, [ALICE_ASSUMES], [ALICE_DEPLOYS], policy()):
        [f] = findings
        assert (f.rule, f.severity, f.principal) == ("provenance.unexpected_origin", "critical", PIPELINE)  # type: ignore[attr-defined]
        ev = f.evidence  # type: ignore[attr-defined]
        assert (ev["origin"], ev["origin_kind"], ev["source_identity"]) == (ALICE, "human", "alice@acme.example")
        assert ev["issuing_event"]["event_id"] == "assume-1"
        assert "IQoJb3JpZ2lu" not in str(f)  # the session token in responseElements never reaches a finding


def test_via_allows_a_named_origin_and_a_cloud_service_origin_is_always_fine(tmp_path: Path) -> None:
    allowed = policy(f'\n        via: ["{ALICE}"]')
    for findings in _both_orders(tmp_path, [ALICE_ASSUMES], [ALICE_DEPLOYS], allowed):
        assert findings == []
    service = assume_role("assume-2", {"type": "AWSService", "invokedBy": "codepipeline.amazonaws.com"},
                          "codepipeline-prod-role", "1726063200123", "ASIAQNZGKJ3EXAMPLE61")
    deploy = ecs_deploy("deploy-2", role_session("codepipeline-prod-role", "1726063200123", "ASIAQNZGKJ3EXAMPLE61"))
    for findings in _both_orders(tmp_path, [service], [deploy], policy()):
        assert findings == []


def test_a_saml_user_or_another_role_behind_the_pipeline_role_is_a_finding(tmp_path: Path) -> None:
    saml = saml_login("saml-1", "codepipeline-prod-role", "bob@acme.example", "ASIAQNZGKJ3EXAMPLE62")
    deploy = ecs_deploy("deploy-3", role_session("codepipeline-prod-role", "bob@acme.example", "ASIAQNZGKJ3EXAMPLE62"))
    [f] = _both_orders(tmp_path, [saml], [deploy], policy())[0]
    assert (f.rule, f.severity, f.evidence["origin"]) == (  # type: ignore[attr-defined]
        "provenance.unexpected_origin", "critical", "bob@acme.example")
    chained = assume_role("assume-3", role_session("ops-automation", "nightly", "ASIAQNZGKJ3EXAMPLE63"),
                          "codepipeline-prod-role", "hop", "ASIAQNZGKJ3EXAMPLE64")
    deploy = ecs_deploy("deploy-4", role_session("codepipeline-prod-role", "hop", "ASIAQNZGKJ3EXAMPLE64"))
    [f] = _both_orders(tmp_path, [chained], [deploy], policy())[1]
    assert (f.rule, f.severity) == ("provenance.unexpected_origin", "high")  # type: ignore[attr-defined]
    assert (f.evidence["origin"], f.evidence["origin_kind"]) == (  # type: ignore[attr-defined]
        f"arn:aws:iam::{ACCT}:role/ops-automation", "role")


def test_a_human_impersonating_the_allowlisted_service_account_is_a_finding(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "gcp.jsonl", gcp_deploy("imp-1", EXEC_SA, [first_party("mallory@acme.example")]),
                       gcp_deploy("agent-1", EXEC_SA, [first_party(
                           "service-123456789012@gcp-sa-clouddeploy.iam.gserviceaccount.com")]))
    [f] = run(detector(policy()), events(path))
    assert (f.rule, f.severity, f.evidence["origin"], f.event_ids) == (
        "provenance.unexpected_origin", "critical", "mallory@acme.example", ("imp-1",))
    assert run(detector(policy(gcp_extra='\n        via: ["*@acme.example"]')), events(path)) == []


# --- pinned identity providers ----------------------------------------------------------------
def test_an_oidc_subject_from_another_provider_is_a_mismatch(tmp_path: Path) -> None:
    other = f"arn:aws:iam::{ACCT}:oidc-provider/gitlab.attacker.example"
    login = web_identity_login("login-1", "gha-deploy", MAIN, "ASIAQNZGKJ3EXAMPLE65", provider=other)
    push = ecr_push("push-1", role_session("gha-deploy", "GitHubActions", "ASIAQNZGKJ3EXAMPLE65", provider=other))
    for findings in _both_orders(tmp_path, [login], [push], policy()):
        [f] = findings
        assert (f.rule, f.evidence["subject"], f.evidence["origin_provider"]) == (  # type: ignore[attr-defined]
            "provenance.oidc_subject_mismatch", MAIN, other)
        assert f.evidence["expected_providers"] == [GH_PROVIDER]  # type: ignore[attr-defined]
    gcp = write_jsonl(tmp_path / "gcp.jsonl", gcp_deploy("wif-1", DEPLOYER, [wif("attacker-pool", MAIN)]),
                      gcp_deploy("wif-2", DEPLOYER, [wif("github", MAIN)]))
    [f] = run(detector(policy()), events(gcp))
    assert (f.rule, f.event_ids) == ("provenance.oidc_subject_mismatch", ("wif-1",))


def test_subjects_without_a_provider_are_a_config_warning(capsys: pytest.CaptureFixture[str]) -> None:
    text = f'deploy_policy:\n  - name: p\n    cloud: aws\n    allow:\n      - principal: "{GHA}"\n' \
           f'        oidc_subjects: ["{MAIN}"]\n'
    check_provenance(parse_settings(text, "aw.yaml"))
    err = capsys.readouterr().err
    assert "warning: aw.yaml:5:" in err and "oidc_provider" in err
    check_provenance(parse_settings(policy(), "aw.yaml"))
    assert capsys.readouterr().err == ""


# --- a role chain after an OIDC login ---------------------------------------------------------
def _chain(subject: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    login = web_identity_login("login-2", "gha-bootstrap", subject, "ASIAQNZGKJ3EXAMPLE66")
    hop = assume_role("hop-1", role_session("gha-bootstrap", "GitHubActions", "ASIAQNZGKJ3EXAMPLE66",
                                            provider=GH_PROVIDER), "gha-deploy", "chained", "ASIAQNZGKJ3EXAMPLE67",
                      ip="20.102.35.120")
    push = ecr_push("push-2", role_session("gha-deploy", "chained", "ASIAQNZGKJ3EXAMPLE67"))
    return [login, hop], [push]


def test_a_role_chain_after_an_oidc_login_carries_the_subject(tmp_path: Path) -> None:
    for findings in _both_orders(tmp_path, *_chain(MAIN), policy()):
        assert findings == []
    for findings in _both_orders(tmp_path, *_chain(BRANCH), policy()):
        [f] = findings
        assert (f.rule, f.evidence["subject"], f.evidence["origin_kind"]) == (  # type: ignore[attr-defined]
            "provenance.oidc_subject_mismatch", BRANCH, "oidc")
        assert f.evidence["origin_chain"] == [BOOTSTRAP]  # type: ignore[attr-defined]


# --- resources resolved before scope ----------------------------------------------------------
@pytest.mark.parametrize("name", ["checkout-api", f"{ACCT}:function:checkout-api",
                                  f"arn:aws:lambda:us-east-1:{ACCT}:function:checkout-api",
                                  "checkout-api:PROD", f"{ACCT}:function:checkout-api:7"])
def test_a_lambda_named_any_way_is_one_resource_in_scope(tmp_path: Path, name: str) -> None:
    path = write_records(tmp_path / "fn.json", lambda_update("fn-1", iam_user("alice"), name))
    [f] = run(detector(policy()), events(path))
    assert (f.rule, f.resource) == ("provenance.unexpected_deployer",
                                    f"arn:aws:lambda:us-east-1:{ACCT}:function:checkout-api")


# --- aggregation keeps every actor ------------------------------------------------------------
def test_folding_keeps_two_attacker_ips_apart_and_counts_a_redelivery_once(tmp_path: Path) -> None:
    alice = iam_user("alice")
    one = ecr_push("push-a", alice, ip="203.0.113.77", time="2024-09-10T14:10:00Z")
    two = ecr_push("push-b", alice, ip="198.51.100.9", time="2024-09-10T14:20:00Z")
    path = write_records(tmp_path / "pushes.json", one, two, one)  # push-a delivered twice
    agg = Aggregator(3600, 100, max_distinct_values=20)
    agg.extend(run(detector(policy()), events(path)))
    [f] = agg.results()
    assert (f.principal, f.count) == (ALICE, 2)
    assert f.evidence["distinct"]["source_ip"] == [{"value": "198.51.100.9", "count": 1},
                                                   {"value": "203.0.113.77", "count": 1}]
