"""`normalize --format ocsf`: OCSF 1.8.0 API Activity records, valid against the compiled schema."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.normalize.aws import normalize_cloudtrail
from scanner.normalize.gcp import normalize_logentry
from scanner.normalize.ocsf import activity_id, to_ocsf
from tests.conftest import AUDIT
from tests.normalize.corpus import FORMATS, corpus_events, event, log_entry
from tests.normalize.ocsf_schema import ocsf_schema

CWE = AUDIT / "aws" / "custodian" / "cwe"
OIDC = FORMATS / "aws_4_ILLUSTRATIVE_github_oidc_assumerolewithwebidentity_then_ecr_putimage.json"


def test_every_sample_event_is_valid_ocsf() -> None:
    schema = ocsf_schema()
    events = corpus_events()
    assert len(events) > 90
    for ev in events:
        rec = to_ocsf(ev)
        assert schema.validate(rec) == [], ev.raw
        assert orjson.loads(orjson.dumps(rec)) == rec  # plain JSON, nothing lost in writing it


def test_raw_data_is_the_original_record_as_json_text() -> None:
    ev = event(FORMATS / "aws_1_cloudtrail_s3_object.json")
    rec = to_ocsf(ev, include_raw=True)
    assert ocsf_schema().validate(rec) == []
    assert orjson.loads(rec["raw_data"]) == ev.raw
    assert "raw_data" not in to_ocsf(ev)


def test_iam_user_call_maps_field_by_field() -> None:
    rec = to_ocsf(event(FORMATS / "aws_1_cloudtrail_s3_object.json"))
    assert (rec["class_uid"], rec["category_uid"], rec["activity_id"], rec["type_uid"]) == (6003, 6, 3, 600303)
    assert rec["time"] == 1722431184000 and isinstance(rec["time"], int)
    assert rec["metadata"]["uid"] == "10163ed2-2253-469d-a5ee-cbc6651f8934"
    assert rec["metadata"]["product"] == {"name": "CloudTrail", "vendor_name": "AWS"}
    assert (rec["metadata"]["version"], rec["metadata"]["original_time"]) == ("1.8.0", "2024-07-31T13:06:24Z")
    assert rec["cloud"] == {"provider": "AWS", "region": "apiso-centralnorth-2r",
                            "account": {"uid": "143434273843", "type_id": 10, "type": "AWS Account"}}
    assert rec["api"] == {"operation": "StopLogging", "service": {"name": "cloudtrail.amazonaws.com"},
                          "request": {"uid": "14c891b6-11b5-4787-ae97-64a974977078"}}
    user = rec["actor"]["user"]
    assert (user["uid"], user["name"], user["type_id"], user["type"]) == (
        "arn:aws:iam::143434273843:user/christophe", "christophe", 1, "User")
    assert rec["actor"]["session"] == {"credential_uid": "AKIAGGWFBBHBE7D3M9WI"}
    assert rec["src_endpoint"] == {"ip": "86.245.153.234"}
    assert rec["http_request"] == {"user_agent": "stratus-red-team_c97089f1-1ae3-4ecc-b006-f5e8fd0f2571"}
    assert (rec["status"], rec["status_id"]) == ("Success", 1) and "status_code" not in rec
    assert rec["resources"] == [{"uid": "stratus-red-team-ct-stop-trail-buykxbqejv"}]
    assert rec["unmapped"]["permissions"] == ["cloudtrail:StopLogging"]
    assert rec["unmapped"]["key_kind"] == "long_lived"


def test_assumed_role_session_and_federation() -> None:
    rec = to_ocsf(event(OIDC, 1))
    user, session = rec["actor"]["user"], rec["actor"]["session"]
    assert (user["uid"], user["name"], user["type_id"], user["type"]) == (
        "arn:aws:iam::111122223333:role/gha-deploy", "gha-deploy", 99, "AssumedRole")
    assert session == {"credential_uid": "ASIAEXAMPLEEXAMPLE", "is_mfa": False,
                       "issuer": "arn:aws:iam::111122223333:role/gha-deploy", "created_time": 1714564800000}
    provider = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
    assert rec["actor"]["idp"] == {"name": provider, "protocol_name": "OIDC"}
    assert rec["unmapped"]["session_name"] == "GitHubActions"
    assert (rec["activity_id"], rec["resources"]) == (1, [{"uid": "my-app"}])
    web = to_ocsf(event(OIDC, 0))
    assert web["unmapped"]["oidc_subject"] == web["actor"]["user"]["uid"] == "repo:my-org/my-repo:ref:refs/heads/main"
    assert web["resources"] == [{"uid": "arn:aws:iam::111122223333:role/gha-deploy", "type": "AWS::IAM::Role"}]


def test_service_principal_and_service_source() -> None:
    rec = to_ocsf(event(CWE / "event-cloud-trail-run-instances.json"))  # root, through autoscaling
    assert rec["actor"]["user"]["type_id"] == 2 and rec["actor"]["app_name"] == "autoscaling.amazonaws.com"
    assert rec["src_endpoint"] == {"hostname": "autoscaling.amazonaws.com"}
    health = to_ocsf(event(CWE / "event-phd-ec2-retire.json"))
    assert health["metadata"]["product"] == {"name": "aws.health", "vendor_name": "AWS"}
    assert health["actor"]["user"]["type_id"] == 4 and health["src_endpoint"] == {"name": "aws.health"}


def test_gcp_denied_call_with_delegation() -> None:
    denied = next(ev for ev in corpus_events()
                  if ev.cloud == "gcp" and ev.error_code == "PERMISSION_DENIED" and ev.delegation)
    rec = to_ocsf(denied)
    assert (rec["status"], rec["status_id"], rec["status_code"]) == ("Failure", 2, "PERMISSION_DENIED")
    assert rec["status_detail"].startswith("Permission")
    assert rec["api"]["response"]["code"] == 7 and rec["api"]["response"]["error"] == "PERMISSION_DENIED"
    assert rec["cloud"]["provider"] == "GCP" and rec["cloud"]["account"]["type_id"] == 11
    assert rec["actor"]["user"]["email_addr"] == denied.principal
    assert rec["unmapped"]["delegation"] == list(denied.delegation)
    assert rec["metadata"]["log_name"].endswith("cloudaudit.googleapis.com%2Factivity")
    assert rec["metadata"]["product"]["name"] == "Cloud Audit Logs"


def test_gcp_federated_caller_and_key() -> None:
    entry = copy.deepcopy(log_entry())
    pool = "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github"
    entry["protoPayload"]["authenticationInfo"] = {
        "principalEmail": "deployer@acme-ci.iam.gserviceaccount.com",
        "serviceAccountDelegationInfo": [{"principalSubject": f"{pool}/subject/repo:acme/app:ref:refs/heads/main"}]}
    rec = to_ocsf(normalize_logentry(entry))
    assert ocsf_schema().validate(rec) == []
    assert rec["actor"]["idp"] == {"name": pool.removeprefix("principal://")}
    assert rec["unmapped"]["oidc_subject"] == "repo:acme/app:ref:refs/heads/main"
    keyed = to_ocsf(event(FORMATS / "gcp_4_eventarc_direct_auditlog_LogEntryData.google-cloudevents.json"))
    assert keyed["actor"]["session"]["credential_uid"].endswith("/keys/90f662482321f1ca8e82ea675b1a1c30c1fe681f")
    assert keyed["unmapped"]["key_kind"] == "long_lived"


def test_organization_level_log_and_missing_time_still_valid() -> None:
    entry = log_entry()
    entry["logName"] = "organizations/123456789012/logs/cloudaudit.googleapis.com%2Fpolicy"
    entry["resource"] = {"type": "organization", "labels": {}}
    rec = to_ocsf(normalize_logentry(entry))
    assert rec["cloud"]["org"] == {"uid": "123456789012"} and "account" not in rec["cloud"]
    untimed = {k: v for k, v in orjson.loads((FORMATS / "aws_1_cloudtrail_s3_object.json").read_bytes())
               ["Records"][0].items() if k not in ("eventTime", "userIdentity", "sourceIPAddress", "userAgent")}
    rec = to_ocsf(normalize_cloudtrail(untimed))
    assert ocsf_schema().validate(rec) == []
    assert rec["time"] == 0 and "original_time" not in rec["metadata"]
    assert rec["actor"]["user"] == {"type_id": 0, "type": "Unknown", "name": "unknown"}


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("CreateAccessKey", 1), ("RunInstances", 1), ("PutImage", 1), ("beta.compute.instances.insert", 1),
        ("google.iam.admin.v1.CreateServiceAccountKey", 1), ("GenerateAccessToken", 1),
        ("DescribeInstances", 2), ("ListObjects", 2), ("HeadObject", 2), ("storage.objects.get", 2),
        ("BatchGetImage", 2), ("AccessSecretVersion", 2),
        ("StopLogging", 3), ("UpdateTrail", 3), ("SetIamPolicy", 3), ("v1.compute.instances.setMetadata", 3),
        ("AuthorizeSecurityGroupIngress", 3), ("AttachRolePolicy", 3),
        ("DeleteTrail", 4), ("BatchDeleteImage", 4), ("TerminateInstances", 4), ("storage.objects.delete", 4),
        ("RemoveRoleFromInstanceProfile", 4),
        ("ConsoleLogin", 99), ("AssumeRoleWithWebIdentity", 99), ("jobservice.jobcompleted", 99),
        ("AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", 99), ("", 0),
    ],
)
def test_activity_id_from_the_verb(operation: str, expected: int) -> None:
    assert activity_id(operation) == expected


# --- the validator itself must be able to fail ------------------------------------------------
def _valid() -> dict[str, Any]:
    return to_ocsf(event(FORMATS / "aws_1_cloudtrail_s3_object.json"))


def _break(path: str, value: Any) -> dict[str, Any]:
    rec = _valid()
    *parents, last = path.split(".")
    node = rec
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return rec


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("time", _DELETE, "time: required attribute missing"),
        ("time", "2024-07-31T13:06:24Z", "time: expected an integer"),
        ("time", 1722431184000.5, "time: expected an integer"),
        ("src_endpoint", _DELETE, "src_endpoint: required attribute missing"),
        ("metadata.product", _DELETE, "metadata.product: required attribute missing"),
        ("activity_id", 7, "activity_id: 7 is not one of"),
        ("type_uid", 600399, "type_uid: 600399 is not class_uid * 100 + activity_id"),
        ("type_uid", 600305, "type_uid: 600305 is not one of"),
        ("status", "Failure", "status: 'Failure' contradicts status_id=1"),
        ("colour", "blue", "colour: not an attribute"),
        ("actor.user.colour", "blue", "actor.user.colour: not an attribute"),
        ("actor.invoked_by", "x", "actor.invoked_by: deprecated"),
        ("actor.session.is_mfa", "false", "actor.session.is_mfa: expected a boolean"),
        ("src_endpoint.ip", "not-an-ip", "does not match ip_t"),
        ("src_endpoint.port", 70000, "outside"),
        ("actor", {}, "actor: needs at least one of"),
        ("resources", {"uid": "x"}, "resources: expected an array"),
        ("metadata.version", "1.1.0", "metadata.version: '1.1.0' is not 1.8.0"),
        ("class_uid", 6001, "class_uid: 6001 is not one of"),
    ],
)
def test_validator_reports_what_is_wrong(path: str, value: Any, message: str) -> None:
    assert ocsf_schema().validate(_valid()) == []
    errors = ocsf_schema().validate(_break(path, value))
    assert any(message in e for e in errors), errors


def test_unmapped_takes_anything() -> None:
    rec = _valid()
    rec["unmapped"]["whatever"] = {"nested": [1, {"x": None}]}
    assert ocsf_schema().validate(rec) == []


# --- the command users run ----------------------------------------------------------------------
def test_cli_normalize_ocsf_writes_valid_records(tmp_path: Path, aws_endpoint: str) -> None:
    s3 = boto3.client("s3")  # the object formats/aws_1b_… notifies about
    s3.create_bucket(Bucket="my-cloudtrail-bucket")
    key = ("AWSLogs/o-exampleorg/143434273843/CloudTrail/us-east-1/2024/07/31/"
           "143434273843_CloudTrail_us-east-1_20240731T1310Z_AbCdEfGhIjKlMnOp.json.gz")
    s3.put_object(Bucket="my-cloudtrail-bucket", Key=key,
                  Body=(FORMATS / "aws_1_cloudtrail_s3_object.json.gz").read_bytes())
    out = tmp_path / "ocsf.jsonl"
    dead = tmp_path / "dead.jsonl"
    assumed = CWE / "event-cloud-trail-run-instance-creator-assumed.json"
    inputs = [str(FORMATS), str(AUDIT / "gcp" / "plaso"), str(assumed)]
    result = CliRunner().invoke(cli, ["normalize", "--format", "ocsf", "--output", str(out),
                                      "--dead-letter", str(dead), *inputs])
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    records = [orjson.loads(line) for line in lines]
    assert len(records) == 17 + 11 + 1  # formats/ (one through S3), GCP plaso, one Custodian sample
    schema = ocsf_schema()
    for rec in records:
        assert schema.validate(rec) == [], rec
    assert {r["cloud"]["provider"] for r in records} == {"AWS", "GCP"}
    assert any(r["actor"]["user"].get("uid") == "arn:aws:iam::03412312600:role/GR_Dev_Developer" for r in records)
    dead_reasons = sorted(orjson.loads(line)["reason"] for line in dead.read_bytes().splitlines())
    assert dead_reasons == ["bad_pubsub_payload", "not_json", "not_json", "not_json", "not_json", "not_json"]
