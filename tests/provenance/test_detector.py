"""The provenance detector on real-shaped trails: who may deploy, OIDC linkage, order and state."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from scanner.model.finding import Finding
from scanner.provenance.detector import NO_SHARED_STATE, SUBJECT_UNKNOWN
from scanner.state.sqlite import SqliteStore
from scanner.timeutil import epoch_seconds
from tests.provenance.conftest import (
    ACCT,
    ALICE,
    CAROL,
    CONFIG,
    DEPLOYER,
    GHA,
    MAIN,
    MIXED,
    SSO_ADMIN,
    detector,
    events,
    run,
)

POLICY = CONFIG.read_text()
DEPLOYS, LOGINS, GCP = MIXED / "1-aws-deploys.json", MIXED / "2-aws-logins.json", MIXED / "3-gcp-audit.jsonl"
BRANCH = "repo:acme/app:ref:refs/heads/feature/faster-checkout"
ECR_APP = f"arn:aws:ecr:us-east-1:{ACCT}:repository/app-checkout"


def by(findings: list[Finding], **match: str) -> list[Finding]:
    return [f for f in findings if all(getattr(f, k) == v for k, v in match.items())]


def one(findings: list[Finding], **match: str) -> Finding:
    [f] = by(findings, **match)
    return f


# --- AWS -------------------------------------------------------------------------------------
def test_main_branch_ci_and_the_pipeline_role_deploy_without_findings() -> None:
    findings = run(detector(POLICY), events(LOGINS, DEPLOYS))
    assert by(findings, principal="arn:aws:iam::111122223333:role/codepipeline-prod-role") == []
    gha = by(findings, principal=GHA)
    # the main-branch push and the main-branch Lambda deploy are allowed; the rest are not
    assert sorted(f.rule for f in gha) == ["provenance.oidc_subject_mismatch", "provenance.subject_unknown"]
    assert not by(gha, action="lambda:UpdateFunctionCode")


def test_feature_branch_assuming_the_deploy_role_is_a_subject_mismatch_with_evidence() -> None:
    f = one(run(detector(POLICY), events(LOGINS, DEPLOYS)), rule="provenance.oidc_subject_mismatch", cloud="aws")
    assert (f.severity, f.category, f.principal, f.action, f.resource) == (
        "high", "provenance", GHA, "ecr:PutImage", ECR_APP)
    ev = f.evidence
    assert ev["subject"] == BRANCH
    assert ev["expected_subjects"] == [MAIN]
    assert ev["expected_principals"] == [GHA, "arn:aws:iam::111122223333:role/codepipeline-prod-role"]
    assert ev["policy"] == "checkout images (aws)" and ev["policy_source"] == "auditwarden.yaml:5"
    assert (ev["access_key_id"], ev["key_type"]) == ("ASIAQNZGKJ3EXAMPLE02", "temporary session key (ASIA)")
    assert ev["source_ip"] == "20.102.35.120" and ev["user_agent"].startswith("docker/24.0.7")
    assert ev["session_name"] == "GitHubActions" and ev["tag"] == "artifact_push"
    assert ev["issuing_event"]["role"] == GHA and ev["issuing_event"]["issued"] == "2024-09-10T14:04:20Z"
    assert "token.actions.githubusercontent.com:sub" in f.remediation


@pytest.mark.parametrize("order", ["logins first", "deploys first"])
def test_file_order_within_a_scan_does_not_matter(order: str) -> None:
    files = (LOGINS, DEPLOYS) if order == "logins first" else (DEPLOYS, LOGINS)
    findings = run(detector(POLICY), events(*files))
    assert sorted((f.rule, f.evidence["subject"]) for f in by(findings, principal=GHA)) == [
        ("provenance.oidc_subject_mismatch", BRANCH),
        ("provenance.subject_unknown", SUBJECT_UNKNOWN),
    ]


def test_before_finish_nothing_is_said_about_sessions_not_yet_linked() -> None:
    det = detector(POLICY)
    early = run(det, events(DEPLOYS), finish=False)
    assert by(early, principal=GHA) == []  # parked, not guessed
    run(det, events(LOGINS), finish=False)
    late = list(det.finish())
    assert sorted(f.rule for f in late) == ["provenance.oidc_subject_mismatch", "provenance.subject_unknown"]
    assert list(det.finish()) == []  # parked events are decided once


def test_subject_unknown_says_so_only_after_all_input() -> None:
    f = one(run(detector(POLICY), events(DEPLOYS, LOGINS)), rule="provenance.subject_unknown")
    assert (f.severity, f.principal, f.resource) == ("medium", GHA, ECR_APP)
    assert f.evidence["subject"] == "unknown: issuing AssumeRoleWithWebIdentity not seen"
    assert f.evidence["access_key_id"] == "ASIAQNZGKJ3EXAMPLE03" and f.evidence["session_federated"] is True


def test_iam_user_with_long_lived_key_is_critical_and_its_denied_attempt_lower() -> None:
    findings = by(run(detector(POLICY), events(DEPLOYS)), principal=ALICE)
    landed = one(findings, action="ecr:PutImage", resource=ECR_APP)
    assert (landed.rule, landed.severity) == ("provenance.unexpected_deployer", "critical")
    assert landed.evidence["key_type"] == "long-lived access key (AKIA)"
    assert landed.evidence["access_key_id"] == "AKIAIOSFODNN7EXAMPLE" and landed.evidence["source_ip"] == "203.0.113.77"
    assert landed.evidence["subject"] == "none: not a federated (OIDC) session"
    denied = one(findings, resource=f"arn:aws:ecr:us-east-1:{ACCT}:repository/app-payments")
    assert (denied.rule, denied.severity) == ("provenance.unexpected_deployer", "medium")
    assert denied.title.endswith("(denied attempt)") and denied.evidence["error_code"] == "AccessDeniedException"
    upload = one(findings, action="s3:PutObject")
    assert upload.resource == "arn:aws:s3:::acme-artifacts-prod/checkout/1.4.0/checkout.zip"
    assert len(findings) == 3  # the DescribeImages, the layer upload and the log-bucket upload are not deploys


def test_a_failed_call_that_got_past_iam_keeps_its_full_severity() -> None:
    """ValidationException means IAM said yes: the principal holds deploy rights, only the input was bad."""
    [landed] = [e for e in events(DEPLOYS) if e.principal == ALICE and ECR_APP in e.resources and e.success]
    failed = landed._replace(id="failed-1", error_code="ValidationException", error_message="bad manifest")
    [f] = run(detector(POLICY), [failed])
    assert (f.rule, f.severity) == ("provenance.unexpected_deployer", "critical")
    assert f.title.endswith("(failed attempt)")


def test_sso_administrator_hot_patch_and_pipeline_edit_are_critical() -> None:
    findings = by(run(detector(POLICY), events(DEPLOYS)), principal=SSO_ADMIN)
    assert sorted((f.action, f.severity, f.evidence["tag"]) for f in findings) == [
        ("codepipeline:UpdatePipeline", "critical", "cd_tamper"),
        ("lambda:UpdateFunctionCode", "critical", "deploy"),
    ]  # its push to tools-base is outside both policies' resources
    lam = one(findings, action="lambda:UpdateFunctionCode")
    assert lam.evidence["policy"] == "production deploys (aws)" and lam.evidence["session_name"] == "bob@acme.example"
    assert lam.title == "Deploy by a principal the deploy policy does not allow"


def test_session_link_lives_only_as_long_as_the_session(tmp_path: Path) -> None:
    deploys = orjson.loads(DEPLOYS.read_bytes())["Records"]
    late = copy.deepcopy(deploys[0])  # the main-branch push, replayed after the 1 h session expired
    late["eventTime"], late["eventID"] = "2024-09-10T15:02:10Z", "late-push"
    path = tmp_path / "late.json"
    path.write_bytes(orjson.dumps({"Records": [deploys[0], late]}))
    findings = run(detector(POLICY), events(LOGINS, path))
    assert [(f.rule, f.event_ids) for f in findings] == [("provenance.subject_unknown", ("late-push",))]


def test_links_and_parked_events_cross_invocations_through_sqlite(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    first = SqliteStore(db)
    assert run(detector(POLICY, first), events(LOGINS)) == []  # logins alone: nothing to say
    first.close()
    second = SqliteStore(db)
    findings = by(run(detector(POLICY, second), events(DEPLOYS)), principal=GHA)
    second.close()
    assert sorted((f.rule, f.evidence["subject"]) for f in findings) == [
        ("provenance.oidc_subject_mismatch", BRANCH), ("provenance.subject_unknown", SUBJECT_UNKNOWN)]


def test_workers_sharing_sqlite_hand_parked_events_to_the_finishing_detector(tmp_path: Path) -> None:
    """What --jobs N --state FILE does: workers evaluate, only the parent's detector finishes."""
    db = str(tmp_path / "state.sqlite")
    stores = [SqliteStore(db) for _ in range(3)]
    worker_1, worker_2, parent = (detector(POLICY, s) for s in stores)
    assert by(run(worker_1, events(DEPLOYS), finish=False), principal=GHA) == []
    assert run(worker_2, events(LOGINS), finish=False) == []
    findings = list(parent.finish())
    assert sorted((f.rule, f.evidence["subject"]) for f in findings) == [
        ("provenance.oidc_subject_mismatch", BRANCH), ("provenance.subject_unknown", SUBJECT_UNKNOWN)]
    for s in stores:
        s.close()


def test_a_worker_without_shared_state_decides_at_once_and_says_why() -> None:
    det = detector(POLICY, hand_off=False)  # what a --jobs worker with an in-memory store does
    findings = by(run(det, events(DEPLOYS), finish=False), principal=GHA)
    assert {f.rule for f in findings} == {"provenance.subject_unknown"} and len(findings) == 4
    assert all(f.evidence["note"] == NO_SHARED_STATE for f in findings)


def test_sessions_of_roles_without_subject_rules_are_not_remembered() -> None:
    det = detector(POLICY)
    run(det, events(LOGINS), finish=False)
    during = epoch_seconds("2024-09-10T14:30:00Z") or 0.0
    assert det.state.get("provenance:oidc:ASIAQNZGKJ3EXAMPLE01", during)["subject"] == MAIN
    assert det.state.get("provenance:oidc:ASIAQNZGKJ3EXAMPLE40", during) is None  # the EKS pod's login


def test_finding_ids_are_stable_across_runs() -> None:
    a = run(detector(POLICY), events(LOGINS, DEPLOYS, GCP))
    b = run(detector(POLICY), events(DEPLOYS, GCP, LOGINS))
    assert sorted(f.id for f in a) == sorted(f.id for f in b) and len({f.id for f in a}) == len(a)


# --- GCP -------------------------------------------------------------------------------------
def test_gcp_keyless_ci_and_cloud_deploy_execution_account_are_allowed() -> None:
    findings = run(detector(POLICY), events(GCP))
    allowed_ops = {"Docker-PutManifest", "google.cloud.deploy.v1.CloudDeploy.CreateRelease"}
    assert not [f for f in findings if f.principal == DEPLOYER and f.action in allowed_ops and
                f.rule != "provenance.long_lived_key"]
    assert by(findings, principal="clouddeploy-exec@acme-prod.iam.gserviceaccount.com") == []


def test_gcp_workload_identity_from_a_pull_request_is_a_mismatch() -> None:
    f = one(run(detector(POLICY), events(GCP)), rule="provenance.oidc_subject_mismatch")
    assert (f.principal, f.action, f.severity) == (DEPLOYER, "google.cloud.run.v2.Services.UpdateService", "high")
    assert f.evidence["subject"] == "repo:acme/app:pull_request" and f.evidence["expected_subjects"] == [MAIN]
    assert f.evidence["delegation"] == [
        "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/"
        "subject/repo:acme/app:pull_request"]


def test_gcp_user_managed_key_breaks_keyless() -> None:
    f = one(run(detector(POLICY), events(GCP)), rule="provenance.long_lived_key")
    assert (f.principal, f.action, f.severity) == (DEPLOYER, "Docker-PutManifest", "high")
    assert f.evidence["key_type"] == "user-managed service account key" and f.evidence["keyless_required"] is True
    assert f.evidence["access_key_id"].endswith("/keys/4f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d")
    assert f.evidence["source_ip"] == "203.0.113.200"


def test_gcp_person_deploying_counts_once_per_operation_and_denied_is_lower() -> None:
    findings = by(run(detector(POLICY), events(GCP)), principal=CAROL)
    run_deploys = by(findings, action="google.cloud.run.v2.Services.UpdateService")
    assert sorted(f.severity for f in run_deploys) == ["critical", "medium"]  # first entry only; the denied one
    denied = one(run_deploys, severity="medium")
    assert denied.evidence["error_code"] == "PERMISSION_DENIED" and denied.title.endswith("(denied attempt)")
    trigger = one(findings, action="google.devtools.cloudbuild.v1.CloudBuild.UpdateBuildTrigger")
    assert (trigger.severity, trigger.evidence["tag"]) == ("critical", "cd_tamper")
    assert len(findings) == 3  # the docker pull is a read; acme-dev is in no policy's scope


def _records_file(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "records.json"
    path.write_bytes(orjson.dumps({"Records": list(records)}))
    return path


def test_a_role_assumed_without_web_identity_is_a_mismatch_not_an_unknown(tmp_path: Path) -> None:
    # Someone with sts:AssumeRole on the deploy role pushes from a laptop: CloudTrail records an empty
    # webIdFederationData, so there is no issuing login to wait for and no subject to find.
    push = copy.deepcopy(orjson.loads(DEPLOYS.read_bytes())["Records"][0])
    push["userIdentity"]["accessKeyId"] = "ASIAQNZGKJ3EXAMPLE77"
    push["userIdentity"]["sessionContext"]["webIdFederationData"] = {}
    push["eventID"] = "laptop-push"
    f = one(run(detector(POLICY), events(_records_file(tmp_path, push))), principal=GHA)
    assert (f.rule, f.severity) == ("provenance.oidc_subject_mismatch", "high")
    assert f.evidence["subject"] == "none: not a federated (OIDC) session"


def test_a_principal_whose_path_looks_like_a_service_linked_role_is_still_judged(tmp_path: Path) -> None:
    # IAM paths may hold ":"; only the ARN's resource part says whether a role is service-linked.
    push = copy.deepcopy(orjson.loads(DEPLOYS.read_bytes())["Records"][5])
    assert push["userIdentity"]["arn"] == ALICE and push["eventName"] == "PutImage"
    disguised = f"arn:aws:iam::{ACCT}:user/x:role/aws-service-role/alice"
    push["userIdentity"]["arn"] = disguised
    [f] = run(detector(POLICY), events(_records_file(tmp_path, push)))
    assert (f.rule, f.principal, f.severity) == ("provenance.unexpected_deployer", disguised, "critical")


def test_a_long_running_operation_counts_once_whatever_entries_are_seen() -> None:
    """first + last (+ middle) entries of one operation are one deploy; an orphan `last` still counts."""
    carol = [e for e in events(GCP) if e.principal == CAROL and e.success
             and e.operation == "google.cloud.run.v2.Services.UpdateService"]
    first = next(e for e in carol if e.raw["operation"].get("first"))
    op_id = first.raw["operation"]["id"]
    last = next(e for e in carol if e.raw["operation"].get("last") and e.raw["operation"]["id"] == op_id)
    middle_op = {"id": op_id, "producer": "run.googleapis.com"}
    middle = last._replace(id="middle-1", raw={**last.raw, "operation": middle_op})
    for order in ([first, middle, last], [last, first], [last]):
        found = run(detector(POLICY), order)
        assert [(f.rule, f.principal) for f in found] == [("provenance.unexpected_deployer", CAROL)], order
        assert found[0].event_ids == (order[0].id,)
