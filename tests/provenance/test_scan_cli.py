"""End to end through `auditwarden scan`: a mixed day yields exactly what a security engineer expects."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.provenance.detector import NO_SHARED_STATE
from tests.conftest import REPO
from tests.provenance.conftest import ALICE, CAROL, CONFIG, DEPLOYER, GHA, MIXED, SSO_ADMIN
from tests.provenance.records import assume_role, ecs_deploy, iam_user, role_session, write_records

ECR = "arn:aws:ecr:us-east-1:111122223333:repository/"
RUN = "projects/acme-prod/locations/us-central1/services/checkout"
EXPECTED = {
    ("provenance.oidc_subject_mismatch", GHA, "ecr:PutImage", ECR + "app-checkout", "high"),
    ("provenance.subject_unknown", GHA, "ecr:PutImage", ECR + "app-checkout", "medium"),
    ("provenance.unexpected_deployer", ALICE, "ecr:PutImage", ECR + "app-checkout", "critical"),
    ("provenance.unexpected_deployer", ALICE, "ecr:PutImage", ECR + "app-payments", "medium"),
    ("provenance.unexpected_deployer", ALICE, "s3:PutObject",
     "arn:aws:s3:::acme-artifacts-prod/checkout/1.4.0/checkout.zip", "critical"),
    ("provenance.unexpected_deployer", SSO_ADMIN, "lambda:UpdateFunctionCode",
     "arn:aws:lambda:us-east-1:111122223333:function:checkout-api", "critical"),
    ("provenance.unexpected_deployer", SSO_ADMIN, "codepipeline:UpdatePipeline",
     "arn:aws:codepipeline:us-east-1:111122223333:checkout-prod", "critical"),
    ("provenance.oidc_subject_mismatch", DEPLOYER, "google.cloud.run.v2.Services.UpdateService", RUN, "high"),
    ("provenance.long_lived_key", DEPLOYER, "Docker-PutManifest",
     "projects/acme-prod/locations/us/repositories/app/dockerImages/checkout@sha256:" + "2" * 64, "high"),
    ("provenance.unexpected_deployer", CAROL, "google.cloud.run.v2.Services.UpdateService", RUN, "critical"),
    ("provenance.unexpected_deployer", CAROL, "google.cloud.run.v2.Services.UpdateService", RUN, "medium"),
    ("provenance.unexpected_deployer", CAROL, "google.devtools.cloudbuild.v1.CloudBuild.UpdateBuildTrigger",
     "projects/acme-prod/locations/global/triggers/deploy-main", "critical"),
}


def scan(*args: str) -> tuple[int, list[dict[str, object]], str]:
    r = CliRunner().invoke(cli, ["scan", *args])
    return r.exit_code, [orjson.loads(line) for line in r.stdout.splitlines()], r.stderr


def keys(findings: list[dict[str, object]]) -> set[tuple[object, ...]]:
    return {(f["rule"], f["principal"], f["action"], f["resource"], f["severity"]) for f in findings
            if str(f["rule"]).startswith("provenance.")}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_mixed_trail_yields_exactly_the_expected_findings(tmp_path: Path, jobs: str) -> None:
    code, findings, err = scan(str(MIXED), "--config", str(CONFIG), "--jobs", jobs,
                               "--state", str(tmp_path / "state.sqlite"))
    assert code == 1, err
    assert keys(findings) == EXPECTED
    assert len([f for f in findings if f["category"] == "provenance"]) == len(EXPECTED)  # nothing twice
    for f in findings:
        assert f["cloud"] in ("aws", "gcp") and f["event_ids"] and f["time"]
        assert {"policy", "principal", "subject", "key_type", "resource", "expected_principals"} <= set(f["evidence"])


def test_jobs_without_state_still_links_sessions_across_files() -> None:
    """--jobs N without --state: workers share a scratch state file, so a login read by one worker
    still vouches for the deploy another worker read."""
    code, findings, _ = scan(str(MIXED), "--config", str(CONFIG), "--jobs", "2")
    assert code == 1
    assert keys(findings) == EXPECTED
    assert not any(f["evidence"].get("note") == NO_SHARED_STATE for f in findings)


def test_session_links_survive_between_invocations_with_state(tmp_path: Path) -> None:
    logins, deploys = tmp_path / "logins", tmp_path / "deploys"
    logins.mkdir()
    deploys.mkdir()
    shutil.copy(MIXED / "2-aws-logins.json", logins)
    shutil.copy(MIXED / "1-aws-deploys.json", deploys)
    state = str(tmp_path / "state.sqlite")
    code, findings, _ = scan(str(logins), "--config", str(CONFIG), "--state", state)
    assert (code, findings) == (0, [])
    code, findings, _ = scan(str(deploys), "--config", str(CONFIG), "--state", state)
    assert code == 1
    assert {k for k in keys(findings) if k[1] == GHA} == {k for k in EXPECTED if k[1] == GHA}
    # without the state file the same deploys cannot be linked
    _, findings, _ = scan(str(deploys), "--config", str(CONFIG))
    assert {f["rule"] for f in findings if f["principal"] == GHA} == {"provenance.subject_unknown"}


def test_provenance_can_be_switched_off(tmp_path: Path) -> None:
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(CONFIG.read_text() + "detectors: {provenance: {enabled: false}}\n")
    code, findings, _ = scan(str(MIXED), "--config", str(cfg))
    assert code == 0 and keys(findings) == set()


def test_demo_shows_provenance_and_rule_pack_findings() -> None:
    """What `make demo` runs."""
    r = CliRunner().invoke(cli, ["scan", str(REPO / "examples" / "trail"), "--config",
                                 str(REPO / "examples" / "auditwarden.yaml"), "--format", "table"])
    assert r.exit_code == 1, r.stderr
    table = r.stdout
    for rule in ("provenance.unexpected_deployer", "provenance.oidc_subject_mismatch", "provenance.long_lived_key",
                 "aws.cloudtrail.logging_stopped"):
        assert rule in table
    assert "CRITICAL" in table


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_scan_folds_a_human_behind_the_pipeline_role_without_hiding_an_address(tmp_path: Path, jobs: str) -> None:
    """Through the CLI: origin found across files (and workers), distinct addresses capped by config."""
    session = role_session("codepipeline-prod-role", "alice-debug", "ASIAQNZGKJ3EXAMPLE80")
    write_records(tmp_path / "a-deploys.json", *(
        ecs_deploy(f"d{i}", session, ip=ip, time=f"2024-09-10T14:1{i}:00Z")
        for i, ip in enumerate(["203.0.113.7", "198.51.100.8", "203.0.113.7"])))
    write_records(tmp_path / "b-login.json", assume_role("l1", iam_user("alice"), "codepipeline-prod-role",
                                                         "alice-debug", "ASIAQNZGKJ3EXAMPLE80"))
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(CONFIG.read_text() + "aggregation: {max_distinct_values: 1}\n")
    code, findings, err = scan(str(tmp_path / "a-deploys.json"), str(tmp_path / "b-login.json"), "--config",
                               str(cfg), "--jobs", jobs)
    assert code == 1, err
    [f] = [f for f in findings if f["rule"] == "provenance.unexpected_origin"]
    ev = f["evidence"]
    assert (f["count"], f["severity"], ev["origin"]) == (3, "critical", ALICE)
    assert ev["distinct"]["source_ip"] == [{"value": "203.0.113.7", "count": 2}]
    assert ev["distinct_more"] == {"source_ip": 1}
