"""Findings from rules: only an authorization failure is a lower-severity "denied attempt"; a call that
failed for another reason changed nothing and is not reported, unless the rule says the failure itself is
the signal (`report_failed`), and then it keeps the rule's full severity (the caller got past IAM)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from scanner.detect.engine import RuleEngine
from scanner.detect.findings import finding_for_rule
from scanner.detect.rules import load_rules
from scanner.normalize import normalize
from scanner.sources.records import CLOUDTRAIL, RawRecord

RULE = {r.id: r for r in load_rules()}["aws.ec2.admin_port_open_to_world"]


def record(**extra: Any) -> dict[str, Any]:
    return {
        "eventVersion": "1.09", "eventID": "1b0a9f8e-7d6c-4b5b-9f4e-3d2c1b0a9f83",
        "eventTime": "2024-05-13T09:14:27Z", "eventSource": "ec2.amazonaws.com",
        "eventName": "AuthorizeSecurityGroupIngress", "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.77", "userAgent": "aws-cli/2.15.30",
        "requestParameters": {"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": [
            {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}},
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                         "accountId": "111122223333", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"},
        **extra,
    }


def finding(**extra: Any) -> Any:
    ev = normalize(RawRecord(CLOUDTRAIL, record(**extra), "t.json"))
    assert RULE.match(ev)
    return finding_for_rule(RULE, ev)


def test_success_has_the_rule_severity() -> None:
    f = finding()
    assert (f.severity, f.title) == ("high", RULE.title)


@pytest.mark.parametrize("code", ["Client.UnauthorizedOperation", "AccessDenied", "UnauthorizedOperation"])
def test_authorization_failure_is_a_denied_attempt_at_lower_severity(code: str) -> None:
    f = finding(errorCode=code, errorMessage="You are not authorized to perform this operation.")
    assert f.severity == RULE.severity_denied == "low"
    assert f.title.endswith("(denied attempt)")


OTHER_FAILURES = ["Client.InvalidPermission.Duplicate", "InvalidGroup.NotFound",
                  "Client.RulesPerSecurityGroupLimitExceeded", "ValidationException"]


def engine_findings(rule: Any, **extra: Any) -> list[Any]:
    ev = normalize(RawRecord(CLOUDTRAIL, record(**extra), "t.json"))
    return list(RuleEngine([rule]).evaluate(ev))


@pytest.mark.parametrize("code", OTHER_FAILURES)
def test_other_failures_changed_nothing_and_are_not_reported(code: str) -> None:
    # the false alarms: a duplicate rule, a missing group, a quota, a typo opened nothing
    assert engine_findings(RULE, errorCode=code, errorMessage="the specified rule already exists") == []


def test_denied_and_successful_calls_are_still_reported_by_the_engine() -> None:
    assert [f.severity for f in engine_findings(RULE)] == ["high"]
    assert [f.severity for f in engine_findings(RULE, errorCode="Client.UnauthorizedOperation")] == ["low"]


@pytest.mark.parametrize("code", OTHER_FAILURES)
def test_report_failed_keeps_other_failures_at_full_severity(code: str) -> None:
    # The caller holds ec2:AuthorizeSecurityGroupIngress: for a rule where trying is the signal, a
    # duplicate or a quota is one retry from landing.
    (f,) = engine_findings(replace(RULE, report_failed=True), errorCode=code, errorMessage="limit exceeded")
    assert f.severity == "high"
    assert f.title.endswith("(failed attempt)")
