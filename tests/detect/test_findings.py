"""Findings from rules: only an authorization failure is a lower-severity "denied attempt"; a call that
failed for another reason got past IAM and keeps the rule's full severity."""

from __future__ import annotations

from typing import Any

import pytest

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


@pytest.mark.parametrize("code", ["Client.InvalidPermission.Duplicate", "InvalidGroup.NotFound",
                                  "Client.RulesPerSecurityGroupLimitExceeded", "ValidationException"])
def test_other_failures_keep_full_severity(code: str) -> None:
    # The caller holds ec2:AuthorizeSecurityGroupIngress: a duplicate or a typo is one retry from landing.
    f = finding(errorCode=code, errorMessage="the specified rule already exists")
    assert f.severity == "high"
    assert f.title.endswith("(failed attempt)")
