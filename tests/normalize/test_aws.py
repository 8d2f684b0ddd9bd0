"""CloudTrail → Event: the hard parts of identity, names and outcome, on real and real-shaped records."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.normalize import NormalizeError
from scanner.normalize.aws import normalize_cloudtrail
from tests.conftest import AUDIT
from tests.normalize.corpus import FORMATS, event, trail_record

CWE = AUDIT / "aws" / "custodian" / "cwe"
OIDC = FORMATS / "aws_4_ILLUSTRATIVE_github_oidc_assumerolewithwebidentity_then_ecr_putimage.json"


def _variant(**changes: Any) -> dict[str, Any]:
    rec: dict[str, Any] = trail_record()
    rec.update(changes)
    return rec


def test_iam_user_with_long_lived_key() -> None:
    ev = event(FORMATS / "aws_1_cloudtrail_s3_object.json")
    assert (ev.principal, ev.principal_type) == ("arn:aws:iam::143434273843:user/christophe", "IAMUser")
    assert (ev.access_key_id, ev.key_kind) == ("AKIAGGWFBBHBE7D3M9WI", "long_lived")
    assert (ev.service, ev.operation, ev.permissions) == (
        "cloudtrail.amazonaws.com", "StopLogging", ("cloudtrail:StopLogging",))
    assert (ev.account, ev.region, ev.time) == ("143434273843", "apiso-centralnorth-2r", "2024-07-31T13:06:24Z")
    assert (ev.source_ip, ev.log_kind, ev.read_only, ev.success) == ("86.245.153.234", "management", False, True)
    assert ev.resources == ("stratus-red-team-ct-stop-trail-buykxbqejv",)


def test_assumed_role_principal_is_the_role_never_the_session_name() -> None:
    ev = event(CWE / "event-cloud-trail-run-instance-creator-assumed.json")
    assert ev.principal == "arn:aws:iam::03412312600:role/GR_Dev_Developer"
    assert ev.principal_type == "AssumedRole"
    assert ev.session_name == "Radiant" and "Radiant" not in ev.principal
    assert (ev.access_key_id, ev.key_kind, ev.mfa) == ("ASIAJ355WZAOWYJXJIEA", "temporary", False)


def test_session_name_chosen_by_the_caller_does_not_change_the_principal() -> None:
    rec = event(OIDC, 1).raw
    other = {**rec, "userIdentity": {**rec["userIdentity"],
                                     "arn": "arn:aws:sts::111122223333:assumed-role/gha-deploy/totally-legit-admin"}}
    role = "arn:aws:iam::111122223333:role/gha-deploy"
    assert normalize_cloudtrail(other).principal == event(OIDC, 1).principal == role
    assert normalize_cloudtrail(other).session_name == "totally-legit-admin"


def test_web_identity_user_keeps_its_oidc_subject() -> None:
    ev = event(OIDC, 0)
    subject = "repo:my-org/my-repo:ref:refs/heads/main"
    assert (ev.principal_type, ev.principal, ev.oidc_subject) == ("WebIdentityUser", subject, subject)
    assert ev.delegation == ("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",)
    assert ev.permissions == ("sts:AssumeRoleWithWebIdentity",)
    assert ev.resources[0] == "arn:aws:iam::111122223333:role/gha-deploy"
    push = event(OIDC, 1)  # the session that key then opened: the role, with its temporary key
    assert (push.principal, push.session_name, push.access_key_id, push.key_kind) == (
        "arn:aws:iam::111122223333:role/gha-deploy", "GitHubActions", "ASIAEXAMPLEEXAMPLE", "temporary")
    assert (push.permissions, push.resources) == (("ecr:PutImage",), ("my-app",))


def test_aws_service_is_named_by_invoked_by() -> None:
    # the documented shape of a call an AWS service makes itself (here CloudTrail encrypting with KMS)
    rec = _variant(userIdentity={"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"},
                   eventSource="kms.amazonaws.com", eventName="GenerateDataKey",
                   sourceIPAddress="cloudtrail.amazonaws.com", userAgent="cloudtrail.amazonaws.com")
    ev = normalize_cloudtrail(rec)
    assert (ev.principal, ev.principal_type, ev.access_key_id, ev.key_kind) == (
        "cloudtrail.amazonaws.com", "AWSService", "", "")
    assert ev.permissions == ("kms:GenerateDataKey",)


def test_root_is_the_root_arn_even_when_a_service_acts_for_it() -> None:
    ev = event(CWE / "event-cloud-trail-run-instances.json")  # invokedBy autoscaling
    assert (ev.principal, ev.principal_type) == ("arn:aws:iam::619193117841:root", "Root")
    mesh = event(CWE / "event-appmesh-create-virtualnode.json")
    assert (mesh.principal_type, mesh.mfa, mesh.key_kind) == ("Root", True, "temporary")


def test_console_login_mfa_comes_from_additional_event_data() -> None:
    login = _variant(eventSource="signin.amazonaws.com", eventName="ConsoleLogin", eventType="AwsConsoleSignIn",
                     userIdentity={"type": "Root", "principalId": "143434273843",
                                   "arn": "arn:aws:iam::143434273843:root", "accountId": "143434273843"},
                     responseElements={"ConsoleLogin": "Success"},
                     additionalEventData={"LoginTo": "https://console.aws.amazon.com/", "MobileVersion": "No",
                                          "MFAUsed": "No"})
    ev = normalize_cloudtrail(login)
    assert (ev.principal_type, ev.mfa, ev.permissions) == ("Root", False, ("signin:ConsoleLogin",))
    login["additionalEventData"] = {**login["additionalEventData"], "MFAUsed": "Yes"}
    assert normalize_cloudtrail(login).mfa is True


@pytest.mark.parametrize(
    ("source", "name", "operation", "permissions"),
    [
        ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", "UpdateFunctionCode", ("lambda:UpdateFunctionCode",)),
        ("lambda.amazonaws.com", "CreateFunction20150331", "CreateFunction", ("lambda:CreateFunction",)),
        ("lambda.amazonaws.com", "AddPermission20150331v2", "AddPermission", ("lambda:AddPermission",)),
        ("monitoring.amazonaws.com", "DeleteAlarms", "DeleteAlarms", ("cloudwatch:DeleteAlarms",)),
        ("s3.amazonaws.com", "ListObjects", "ListObjects", ("s3:ListBucket",)),
        ("s3.amazonaws.com", "HeadObject", "HeadObject", ("s3:GetObject",)),
        ("s3.amazonaws.com", "CopyObject", "CopyObject", ("s3:PutObject", "s3:GetObject")),
        ("email.amazonaws.com", "SendEmail", "SendEmail", ("ses:SendEmail",)),
        ("ec2.amazonaws.com", "ModifySnapshotAttribute", "ModifySnapshotAttribute", ("ec2:ModifySnapshotAttribute",)),
    ],
)
def test_operation_names_and_iam_permissions(source: str, name: str, operation: str,
                                             permissions: tuple[str, ...]) -> None:
    ev = normalize_cloudtrail(_variant(eventSource=source, eventName=name))
    assert (ev.service, ev.operation, ev.raw_operation, ev.permissions) == (source, operation, name, permissions)


def test_s3_data_event_resources_and_log_kind() -> None:
    ev = normalize_cloudtrail(_variant(
        eventSource="s3.amazonaws.com", eventName="GetObject", eventCategory="Data", managementEvent=False,
        readOnly=True, requestParameters={"bucketName": "prod-backups", "key": "db/2024-07-31.dump"},
        resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::prod-backups/db/2024-07-31.dump"},
                   {"accountId": "143434273843", "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::prod-backups"}]))
    assert (ev.log_kind, ev.read_only) == ("data", True)
    assert ev.resources == ("arn:aws:s3:::prod-backups/db/2024-07-31.dump", "arn:aws:s3:::prod-backups")
    # the same call logged as a management event without resources[] names the same things
    bare = normalize_cloudtrail({**ev.raw, "resources": None})
    assert bare.resources == ev.resources


def test_denied_call_keeps_its_error() -> None:
    ev = normalize_cloudtrail(_variant(errorCode="AccessDenied", errorMessage="User is not authorized"))
    assert (ev.success, ev.error_code, ev.error_message) == (False, "AccessDenied", "User is not authorized")


def test_eventbridge_service_event() -> None:
    ev = event(CWE / "event-phd-ec2-retire.json")
    assert (ev.cloud, ev.service, ev.principal, ev.principal_type, ev.log_kind) == (
        "aws", "aws.health", "aws.health", "AWSService", "event")
    assert ev.operation == ev.raw["detail"]["eventTypeCode"]
    assert ev.raw_operation == "AWS Health Event"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"eventName": 7}, "eventName"),
        ({"eventSource": None}, "eventSource"),
        ({"eventTime": ["2024"]}, "eventTime"),
        ({"userIdentity": "christophe"}, "userIdentity"),
        ({"userIdentity": {"type": "IAMUser", "arn": {"nested": True}}}, "arn"),
        ({"userIdentity": {"type": "AssumedRole", "sessionContext": []}}, "sessionContext"),
    ],
)
def test_wrong_types_raise_normalize_error_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(NormalizeError) as err:
        normalize_cloudtrail(_variant(**changes))
    assert err.value.reason == "wrong_type" and field in err.value.detail


@pytest.mark.parametrize(("field", "value"), [
    ("sourceIPAddress", {"ip": "203.0.113.7"}), ("userAgent", ["aws-cli/2.15.30"]), ("awsRegion", {"r": 1}),
    ("errorMessage", {"m": "x"}), ("eventCategory", ["Management"]),
])
def test_wrong_typed_ancillary_field_is_dropped_with_a_note(field: str, value: Any) -> None:
    from scanner.normalize.aws import normalize_cloudtrail

    rec = {"eventVersion": "1.09", "eventID": "e-1", "eventTime": "2024-06-01T10:00:00Z",
           "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey", "recipientAccountId": "111122223333",
           "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"}, field: value}
    ev = normalize_cloudtrail(rec)
    assert ev.notes == (f"aws:{field}:wrong_type",)
    assert (ev.principal, ev.operation) == ("arn:aws:iam::111122223333:user/alice", "CreateAccessKey")
