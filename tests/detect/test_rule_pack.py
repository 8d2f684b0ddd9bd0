"""The bundled rule pack: it loads, covers what the trunk issue promises, every rule passes its own
cases, the engine's index routes each must-fire case to its rule, and the pack run over every
shared audit sample fires exactly where the samples show an attack."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from scanner.detect.engine import RuleEngine
from scanner.detect.rules import Rule, RuleTest, load_rules
from scanner.detect.ruletest import missing_cases, run_case
from scanner.model.event import Event
from scanner.normalize import normalize
from scanner.normalize.keys import quick_key
from scanner.pipeline import Scanner
from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.records import RawRecord, Rejected
from tests.conftest import AUDIT

RULES = load_rules()
BY_ID = {r.id: r for r in RULES}
ENGINE = RuleEngine(RULES)
CASES = [(r, c) for r in RULES for c in r.tests]

#: What issue #2 asks the day-one pack to cover, and the rule that covers it.
COVERAGE: dict[str, str] = {
    "CloudTrail StopLogging / DeleteTrail": "aws.cloudtrail.logging_stopped",
    "CloudTrail UpdateTrail": "aws.cloudtrail.trail_weakened",
    "CloudTrail PutEventSelectors / PutInsightSelectors reducing logging": "aws.cloudtrail.selectors_reduced",
    "GuardDuty detector deleted": "aws.guardduty.detector_disabled",
    "VPC flow logs deleted (AWS)": "aws.ec2.flow_logs_deleted",
    "Route 53 Resolver query-log config deleted": "aws.route53resolver.query_logging_removed",
    "leaving the organization": "aws.organizations.left_organization",
    "GCP sink deletion": "gcp.logging.sink_deleted",
    "GCP sink update": "gcp.logging.sink_modified",
    "GCP audit-config removal": "gcp.iam.audit_config_removed",
    "GCP flow-log disable": "gcp.compute.flow_logs_disabled",
    "CreateAccessKey for another user": "aws.iam.access_key_for_other_user",
    "CreateUser + admin policy attach": "aws.iam.admin_policy_granted",
    "UpdateAssumeRolePolicy": "aws.iam.trust_policy_updated",
    "CreateLoginProfile / UpdateLoginProfile for others": "aws.iam.login_profile_for_other_user",
    "GetFederationToken": "aws.sts.federation_token",
    "IAM Roles Anywhere trust anchors": "aws.rolesanywhere.trust_anchor_changed",
    "GCP service-account key creation": "gcp.iam.service_account_key_created",
    "GCP SetIamPolicy granting owner/editor": "gcp.iam.admin_role_granted",
    "GCP SetIamPolicy granting tokenCreator/serviceAccountKeyAdmin": "gcp.iam.impersonation_role_granted",
    "GCP SetIamPolicy granting to external domains": "gcp.iam.external_member_granted",
    "public AMI": "aws.ec2.ami_made_public",
    "public EBS snapshot": "aws.ec2.snapshot_made_public",
    "public RDS snapshot": "aws.rds.snapshot_made_public",
    "security group 0.0.0.0/0 on admin ports": "aws.ec2.admin_port_open_to_world",
    "GCP image/disk/snapshot shared publicly or externally": "gcp.sharing.public_or_external",
    "console login without MFA": "aws.signin.console_login_without_mfa",
    "root usage": "aws.root.activity",
    "AWS compromised-key quarantine policy attached": "aws.iam.compromised_key_quarantine",
    "AWS Health AWS_RISK_CREDENTIALS_EXPOSED": "aws.health.credentials_exposed",
    "GCP key disabled with reason EXPOSED": "gcp.iam.key_disabled_exposed",
}

#: Shared samples that show an attack, and the rules that must fire on them (and nothing else).
POSITIVE_SAMPLES: dict[str, set[str]] = {
    # formats/ carries the same attack records in every delivery envelope: the rules must see
    # through each of them.
    "formats/aws_1_cloudtrail_s3_object.json": {"aws.cloudtrail.logging_stopped"},
    "formats/aws_1_cloudtrail_s3_object.json.gz": {"aws.cloudtrail.logging_stopped"},
    "formats/aws_2b_cwlogs_subscription_built_from_real_record.json": {"aws.cloudtrail.logging_stopped"},
    "formats/aws_2b_cwlogs_subscription_built_from_real_record.DECODED.json": {"aws.cloudtrail.logging_stopped"},
    "formats/aws_3_eventbridge_aws_api_call_via_cloudtrail.json": {"aws.cloudtrail.logging_stopped"},
    "formats/gcp_1_logentry_auditlog.json": {"gcp.iam.impersonation_role_granted"},
    "formats/gcp_2_pubsub_cloudevent_gen2.json": {"gcp.iam.impersonation_role_granted"},
    "formats/gcp_2b_pubsub_background_event_gen1.json": {"gcp.iam.impersonation_role_granted"},
    "formats/gcp_3_gcs_sink__cloudaudit.googleapis.com__activity__2021__10__19__02-00-00_02-59-59_S0.json":
        {"gcp.compute.admin_port_open_to_world"},
    "gcp/security-analytics/test/fixtures/google.iam.admin.v1.SetIamPolicy-tokenCreator.json":
        {"gcp.iam.impersonation_role_granted"},
    "gcp/security-analytics/test/fixtures/google.iam.admin.v1.SetIamPolicy-keyAdmin.json":
        {"gcp.iam.impersonation_role_granted"},
    "gcp/security-analytics/test/fixtures/google.cloud.audit.AuditLog.setIamPolicy.json":
        {"gcp.iam.admin_role_granted"},
    "gcp/security-analytics/test/fixtures/google.v1.compute.subnetworks.patch-disableFlowLogs.json":
        {"gcp.compute.flow_logs_disabled"},
    "gcp/security-analytics/test/fixtures/google.storage.objects.get-notInSameVPC.json": {"gcp.vpcsc.violation"},
    "gcp/stratus-docs/gcp.exfiltration.share-compute-disk.json": {"gcp.sharing.public_or_external"},
    "gcp/stratus-docs/gcp.exfiltration.share-compute-image.json": {"gcp.sharing.public_or_external"},
    "gcp/stratus-docs/gcp.exfiltration.share-compute-snapshot.json": {"gcp.sharing.public_or_external"},
    "gcp/stratus-docs/gcp.persistence.invite-external-user.json":
        {"gcp.iam.external_member_granted", "gcp.iam.admin_role_granted"},
    # plaso's GCP sample creates a firewall rule opening RDP (tcp:3389) to 0.0.0.0/0.
    "gcp/plaso/gcp_logging.jsonl": {"gcp.compute.admin_port_open_to_world"},
    # Two custodian samples were recorded as the root user.
    "aws/custodian/cwe/event-cloud-trail-create-bucket.json": {"aws.root.activity"},
    "aws/custodian/cwe/event-appmesh-create-virtualnode.json": {"aws.root.activity"},
}

#: Samples of routine activity, named because a false positive on them would be a regression.
BENIGN_SAMPLES = (
    "aws/plaso/aws_cloudtrail.jsonl",  # DescribeInstances, TerminateInstances, ...
    "gcp/security-analytics/test/fixtures/google.iam.admin.v1.CreateServiceAccountRequest.json",
    "gcp/security-analytics/test/fixtures/google.cloud.audit.AuditLog.GetProject.json",
    "gcp/stratus-docs/gcp.privilege-escalation.impersonate-service-accounts.json",
    "aws/custodian/cwe/event-phd-ec2-retire.json",  # an AWS Health event that is not about keys
    "aws/custodian/cwe/event-cloud-trail-run-instances.json",
)


def _fired(path: Path) -> list[tuple[str, str]]:
    """(rule id, event id) of every finding the pack produces on one input, through the scan path."""
    rejected: list[Rejected] = []
    batch = Scanner(InputReader(Limits()), [ENGINE]).scan([str(path)], rejected.append)
    return [(f.rule, f.event_ids[0] if f.event_ids else "") for f in batch.findings.results()]


def _events(case: RuleTest) -> list[tuple[RawRecord, Event]]:
    recs = [i for i in unwrap(dict(case.record), "test", Limits()) if isinstance(i, RawRecord)]
    return [(r, normalize(r)) for r in recs]


def test_pack_covers_every_concern_of_the_issue() -> None:
    missing = {concern: rid for concern, rid in COVERAGE.items() if rid not in BY_ID}
    assert missing == {}
    assert len(RULES) >= 30


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_positive_and_negative_cases(rule: Rule) -> None:
    assert missing_cases(rule) == [], f"{rule.source}: {rule.id} lacks {missing_cases(rule)}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_indexed(rule: Rule) -> None:
    """Unindexed rules are evaluated for every event of their cloud: none in the pack may be."""
    assert rule.index or rule.principal_types, f"{rule.source}: put service/operation at the top of match"


@pytest.mark.parametrize("rule_case", CASES, ids=lambda rc: f"{rc[0].id}:{rc[1].name}")
def test_rule_case(rule_case: tuple[Rule, RuleTest]) -> None:
    rule, case = rule_case
    result = run_case(rule, case)
    assert result.error == "", result.error
    assert result.fired == case.expect, f"{result.where}: {case.name}"


@pytest.mark.parametrize(
    "rule_case", [(r, c) for r, c in CASES if c.expect], ids=lambda rc: f"{rc[0].id}:{rc[1].name}"
)
def test_must_fire_cases_reach_their_rule_through_the_index(rule_case: tuple[Rule, RuleTest]) -> None:
    """run_case calls the rule directly; a scan only offers the rule events its index routes to it,
    after the quick pre-filter. Both must agree with the full normalization."""
    rule, case = rule_case
    engine = ENGINE
    if case.trusted is not None:  # the case's own trusted: lists, as the configured ones reach a scan
        rule = rule.bind(case.trusted)
        engine = RuleEngine([rule if r.id == rule.id else r for r in RULES])
    for rec, ev in _events(case):
        assert quick_key(rec) == (ev.cloud, ev.service, ev.operation, ev.principal_type)
        assert rule in engine.candidates(*quick_key(rec)), f"{rule.id} not indexed for {quick_key(rec)}"
        assert rule in engine.matching(ev)


def test_positive_samples_fire_exactly_the_expected_rules() -> None:
    for rel, expected in POSITIVE_SAMPLES.items():
        fired = {rule for rule, _ in _fired(AUDIT / rel)}
        assert fired == expected, rel


@pytest.mark.parametrize("rel", BENIGN_SAMPLES)
def test_benign_samples_produce_no_finding(rel: str) -> None:
    assert _fired(AUDIT / rel) == []


def test_no_sample_fires_outside_the_named_positives() -> None:
    """Every shared sample is scanned; any finding must come from a sample named above."""
    unexpected: dict[str, list[str]] = defaultdict(list)
    for path in sorted(p for p in AUDIT.rglob("*") if p.is_file()):
        rel = path.relative_to(AUDIT).as_posix()
        for rule, _ in _fired(path):
            if rule not in POSITIVE_SAMPLES.get(rel, set()):
                unexpected[rel].append(rule)
    assert dict(unexpected) == {}


def test_plaso_benign_records_are_scanned_not_skipped() -> None:
    """The benign-sample test means something only if those records reach the rules' index."""
    rejected: list[Rejected] = []
    batch = Scanner(InputReader(Limits()), [ENGINE]).scan(
        [str(AUDIT / "gcp/plaso/gcp_logging.jsonl"), str(AUDIT / "aws/plaso/aws_cloudtrail.jsonl")],
        rejected.append,
    )
    assert batch.stats.records >= 10 and not rejected
