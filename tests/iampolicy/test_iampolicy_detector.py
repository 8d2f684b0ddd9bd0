"""Attaching a customer-managed policy whose remembered document is administrator access fires, in
either order of the escalation, across runs through the state store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.detectors import parse_settings
from scanner.model.finding import Finding
from scanner.runner import run_scan
from scanner.yamlio import YamlError

ACCT = "111122223333"
ARN = f"arn:aws:iam::{ACCT}:policy/ops-helper"
ADMIN_NOTACTION = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Ops", "Effect": "Allow", "NotAction": ["s3:DeleteBucket"], "Resource": "*"}]})
READONLY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}]})
ALICE = {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSERID0001", "arn": f"arn:aws:iam::{ACCT}:user/alice",
         "accountId": ACCT, "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"}
_n = 0


def call(name: str, req: dict[str, Any], resp: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    global _n
    _n += 1
    return {"eventVersion": "1.09", "userIdentity": ALICE, "eventTime": f"2024-06-01T10:{_n:02d}:00Z",
            "eventSource": "iam.amazonaws.com", "eventName": name, "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.77", "userAgent": "aws-cli/2.15.30 Python/3.11.8",
            "requestParameters": req, "responseElements": resp, "requestID": f"req-{_n}",
            "eventID": f"0f6c7a7e-0000-4000-8000-{_n:012d}", "readOnly": False, "eventType": "AwsApiCall",
            "managementEvent": True, "recipientAccountId": ACCT, "eventCategory": "Management", **extra}


def create(document: str) -> dict[str, Any]:
    return call("CreatePolicy", {"policyName": "ops-helper", "policyDocument": document},
                {"policy": {"policyName": "ops-helper", "policyId": "ANPAEXAMPLEPOLICY0001", "arn": ARN, "path": "/",
                            "defaultVersionId": "v1", "attachmentCount": 0, "isAttachable": True,
                            "createDate": "Jun 1, 2024 10:00:00 AM"}})


def attach(kind: str = "User", who: str = "mallory", **extra: Any) -> dict[str, Any]:
    return call(f"Attach{kind}Policy", {f"{kind.lower()}Name": who, "policyArn": ARN}, None, **extra)


def new_version(document: str, default: bool = True, version: str = "v2") -> dict[str, Any]:
    return call("CreatePolicyVersion", {"policyArn": ARN, "policyDocument": document, "setAsDefault": default},
                {"policyVersion": {"versionId": version, "isDefaultVersion": default,
                                   "createDate": "Jun 1, 2024 10:30:00 AM"}})


def scan(tmp_path: Path, *records: dict[str, Any], state: str | None = None, name: str = "trail.json") -> list[Finding]:
    path = tmp_path / name
    path.write_text(json.dumps({"Records": list(records)}))
    cfg = parse_settings("detectors: {provenance: false}\n", "auditwarden.yaml")
    return [f for f in run_scan([str(path)], cfg, state_path=state).findings if f.rule.startswith("aws.iam.")]


def rules(findings: list[Finding]) -> list[str]:
    return sorted(f.rule for f in findings)


@pytest.mark.parametrize("kind", ["User", "Role", "Group"])
def test_create_admin_policy_then_attach_fires(tmp_path: Path, kind: str) -> None:
    [f] = scan(tmp_path, create(ADMIN_NOTACTION), attach(kind))
    assert f.rule == "aws.iam.customer_admin_policy_attached" and f.severity == "high"
    assert f.resource == ARN and f.evidence["attached_to"] == [f"{kind.lower()}/mallory"]
    assert "NotAction" in f.evidence["why"] and f.evidence["statement"]["Sid"] == "Ops"


def test_harmless_policy_attached_is_quiet(tmp_path: Path) -> None:
    assert scan(tmp_path, create(READONLY), attach()) == []


def test_attach_then_admin_version_made_default_fires(tmp_path: Path) -> None:
    found = scan(tmp_path, create(READONLY), attach("Role", "app-task"), new_version(ADMIN_NOTACTION))
    [f] = [f for f in found if f.rule == "aws.iam.attached_policy_made_admin"]
    assert f.evidence["attached_to"] == ["role/app-task"] and f.evidence["version"] == "v2"


def test_a_non_default_admin_version_is_quiet_until_set_as_default(tmp_path: Path) -> None:
    quiet = scan(tmp_path, create(READONLY), attach(), new_version(ADMIN_NOTACTION, default=False))
    assert quiet == []
    loud = scan(tmp_path, create(READONLY), attach(), new_version(ADMIN_NOTACTION, default=False),
                call("SetDefaultPolicyVersion", {"policyArn": ARN, "versionId": "v2"}))
    assert rules(loud) == ["aws.iam.attached_policy_made_admin"]


def test_policy_created_in_one_run_attached_in_the_next(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    assert scan(tmp_path, create(ADMIN_NOTACTION), state=state, name="day1.json") == []
    assert rules(scan(tmp_path, attach(), state=state, name="day2.json")) == ["aws.iam.customer_admin_policy_attached"]


def test_denied_attach_is_a_lower_severity_attempt(tmp_path: Path) -> None:
    [f] = scan(tmp_path, create(ADMIN_NOTACTION), attach(errorCode="AccessDenied", errorMessage="not authorized"))
    assert f.severity == "medium" and f.title.endswith("(denied attempt)")


def test_failed_create_is_not_remembered(tmp_path: Path) -> None:
    failed = create(ADMIN_NOTACTION) | {"errorCode": "MalformedPolicyDocument", "responseElements": None}
    assert scan(tmp_path, failed, attach()) == []


def test_remember_days_is_validated_with_its_line() -> None:
    with pytest.raises(YamlError, match=r"auditwarden.yaml:3: detectors.iam_policy.remember_days"):
        parse_settings("detectors:\n  iam_policy:\n    remember_days: 0\n", "auditwarden.yaml")


# -- a user added to a group that holds administrator access ---------------------------------------
def add_user(group: str = "ops", user: str = "mallory", **extra: Any) -> dict[str, Any]:
    return call("AddUserToGroup", {"groupName": group, "userName": user}, None, **extra)


def group_policy(name: str, arn: str, group: str = "ops") -> dict[str, Any]:
    return call(name, {"groupName": group, "policyArn": arn})


MANAGED_ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_user_added_to_a_group_holding_managed_admin_fires(tmp_path: Path) -> None:
    found = scan(tmp_path, group_policy("AttachGroupPolicy", MANAGED_ADMIN), add_user())
    [f] = [f for f in found if f.rule == "aws.iam.user_added_to_admin_group"]
    assert f.severity == "high" and f.category == "privilege"
    assert f.evidence["user"] == "mallory" and f.evidence["group"] == "ops"
    assert f.evidence["why"] == {MANAGED_ADMIN: "AWS-managed AdministratorAccess attached"}


def test_group_armed_with_an_admin_inline_policy_in_another_case(tmp_path: Path) -> None:
    inline = call("PutGroupPolicy", {"groupName": "Ops", "policyName": "break-glass",
                                     "policyDocument": ADMIN_NOTACTION})
    found = scan(tmp_path, inline, add_user(group="ops"))
    assert "aws.iam.user_added_to_admin_group" in rules(found)


def test_group_armed_by_a_customer_policy_made_admin_later(tmp_path: Path) -> None:
    found = scan(tmp_path, create(READONLY), attach("Group", "ops"), new_version(ADMIN_NOTACTION), add_user())
    assert "aws.iam.user_added_to_admin_group" in rules(found)


def test_group_armed_in_one_run_joined_in_the_next(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    scan(tmp_path, group_policy("AttachGroupPolicy", MANAGED_ADMIN), state=state, name="day1.json")
    assert rules(scan(tmp_path, add_user(), state=state, name="day2.json")) == ["aws.iam.user_added_to_admin_group"]


def test_denied_join_is_a_lower_severity_attempt(tmp_path: Path) -> None:
    found = scan(tmp_path, group_policy("AttachGroupPolicy", MANAGED_ADMIN),
                 add_user(errorCode="AccessDenied", errorMessage="not authorized"))
    [f] = [f for f in found if f.rule == "aws.iam.user_added_to_admin_group"]
    assert f.severity == "medium"


def test_ordinary_groups_and_disarmed_groups_are_quiet(tmp_path: Path) -> None:
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert "aws.iam.user_added_to_admin_group" not in rules(scan(
        tmp_path, group_policy("AttachGroupPolicy", readonly), add_user()))
    assert "aws.iam.user_added_to_admin_group" not in rules(scan(
        tmp_path, group_policy("AttachGroupPolicy", MANAGED_ADMIN), group_policy("DetachGroupPolicy", MANAGED_ADMIN),
        add_user()))
    assert "aws.iam.user_added_to_admin_group" not in rules(scan(
        tmp_path, group_policy("AttachGroupPolicy", MANAGED_ADMIN), call("DeleteGroup", {"groupName": "ops"}),
        add_user()))
    # a failed attach armed nothing
    failed = group_policy("AttachGroupPolicy", MANAGED_ADMIN) | {"errorCode": "AccessDenied"}
    assert "aws.iam.user_added_to_admin_group" not in rules(scan(tmp_path, failed, add_user()))


def test_group_disarmed_when_its_policy_gets_a_harmless_default_version(tmp_path: Path) -> None:
    # the customer policy that made the group admin is rewritten read-only: joining it is no longer news
    found = scan(tmp_path, create(ADMIN_NOTACTION), attach("Group", "ops"), new_version(READONLY), add_user())
    assert "aws.iam.user_added_to_admin_group" not in rules(found)
    # and the other way round it is armed again
    found = scan(tmp_path, create(READONLY), attach("Group", "ops"), new_version(ADMIN_NOTACTION),
                 new_version(READONLY, version="v3"), new_version(ADMIN_NOTACTION, version="v4"), add_user())
    assert "aws.iam.user_added_to_admin_group" in rules(found)
