"""The Lambda door, driven with the recorded trigger payloads Lambda hands it."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from scanner.handlers.aws_lambda import UnitFailed, handle, handler, trigger_of
from scanner.live.runtime import Options, Runtime
from tests.handlers.lambda_support import (
    FORMATS,
    SHARED_FORMATS,
    STOP_LOGGING_ID,
    Context,
    load,
    sqs_record,
    stdout_lines,
)

BUCKET = "my-cloudtrail-bucket"
NOTIFIED_KEY = ("AWSLogs/o-exampleorg/143434273843/CloudTrail/us-east-1/2024/07/31/"
                "143434273843_CloudTrail_us-east-1_20240731T1310Z_AbCdEfGhIjKlMnOp.json.gz")


@pytest.fixture(autouse=True)
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No configuration at all unless a test sets it; never a stray ./auditwarden.yaml."""
    for var in ("AUDITWARDEN_CONFIG", "AUDITWARDEN_STATE", "AUDITWARDEN_CONFIG_TTL_SECONDS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    # A fresh warm runtime per test: the runtime is keyed by env, and this makes the key unique.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", f"auditwarden-{tmp_path.name}")


def test_eventbridge_cloudtrail_event_with_no_configuration_prints_the_finding(
        capsys: pytest.CaptureFixture[str]) -> None:
    out = handler(load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json"), Context())
    findings, logs = stdout_lines(capsys)
    assert out["events"] == 1 and out["findings"] >= 1
    stop = [f for f in findings if f["rule"] == "aws.cloudtrail.logging_stopped"]
    assert stop and stop[0]["event_ids"] == [STOP_LOGGING_ID] and stop[0]["category"] == "tamper"
    assert len(logs) == 1 and logs[0]["trigger"] == "eventbridge" and logs[0]["events_in"] == 1


def test_cloudwatch_logs_subscription_payload_of_cloudtrail_records(capsys: pytest.CaptureFixture[str]) -> None:
    event = load("aws_2b_cwlogs_subscription_built_from_real_record.json")
    decoded = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    out = handler(event, Context())
    _, logs = stdout_lines(capsys)
    assert trigger_of(event) == "cloudwatch_logs"
    assert logs[0]["events_in"] == len(decoded["logEvents"]) == out["events"] >= 1
    assert logs[0]["dropped"] == {}


def test_cloudwatch_logs_payload_of_plain_text_lines_is_dead_lettered_not_dropped(
        capsys: pytest.CaptureFixture[str]) -> None:
    # The Powertools documentation sample carries non-JSON application log lines: a log group that is
    # not a trail's. Each is counted by reason and the invocation fails, so Lambda's retries end in the DLQ.
    event = load("aws_2_cwlogs_subscription_lambda_event.powertools_doc.json")
    with pytest.raises(UnitFailed, match="not_json"):
        handler(event, Context())
    _, logs = stdout_lines(capsys)
    assert logs[0]["dropped"] == {"not_json": 2} and logs[0]["failed_units"] == 1


def test_the_shared_formats_folder_is_the_one_replayed() -> None:
    if not SHARED_FORMATS.is_dir():
        pytest.skip(f"{SHARED_FORMATS} absent: replaying the copies in {FORMATS}")
    for f in SHARED_FORMATS.iterdir():
        assert (FORMATS / f.name).read_bytes() == f.read_bytes(), f.name


def test_health_events(capsys: pytest.CaptureFixture[str]) -> None:
    routine = json.loads((FORMATS.parent / "aws" / "custodian" / "cwe" / "event-phd-ec2-retire.json").read_text())
    assert trigger_of(routine) == "health"
    assert handler(routine, Context())["findings"] == 0
    exposed = {**routine, "id": "h-2", "account": "111122223333", "detail": {
        "eventArn": "arn:aws:health:us-east-1::event/RISK/AWS_RISK_CREDENTIALS_EXPOSED/X1",
        "service": "RISK", "eventTypeCode": "AWS_RISK_CREDENTIALS_EXPOSED", "eventTypeCategory": "issue",
        "affectedEntities": [{"entityValue": "AKIAIOSFODNN7EXAMPLE"}],
        "eventDescription": [{"language": "en_US", "latestDescription": "key exposed"}]}}
    handler(exposed, Context())
    findings, _ = stdout_lines(capsys)
    assert [f["rule"] for f in findings] == ["aws.health.credentials_exposed"]
    assert findings[0]["severity"] == "critical"


def test_undecodable_async_event_raises_so_lambda_retries_then_dead_letters(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UnitFailed, match="bad_cwl_payload"):
        handler({"awslogs": {"data": "not base64 gzip"}}, Context())
    _, logs = stdout_lines(capsys)
    assert logs[0]["failed_units"] == 1 and logs[0]["dropped"] == {"bad_cwl_payload": 1}


def test_sqs_batch_returns_exactly_the_undecodable_message(capsys: pytest.CaptureFixture[str]) -> None:
    good = load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json")
    event = {"Records": [sqs_record("good-1", json.dumps(good)), sqs_record("bad-1", '{"truncated": ')]}
    out = handler(event, Context())
    assert out == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
    findings, logs = stdout_lines(capsys)
    assert any(f["rule"] == "aws.cloudtrail.logging_stopped" for f in findings)
    assert logs[0]["units"] == 2 and logs[0]["failed_units"] == 1 and logs[0]["dropped"] == {"not_json": 1}
    (where,) = logs[0]["rejected"]
    assert where["origin"] == "bad-1#sqs:bad-1" and where["reason"] == "not_json" and "truncated" not in str(where)


def test_sqs_message_of_an_unknown_shape_is_not_acknowledged(capsys: pytest.CaptureFixture[str]) -> None:
    out = handler({"Records": [sqs_record("odd", json.dumps({"hello": "world"}))]}, Context())
    assert out == {"batchItemFailures": [{"itemIdentifier": "odd"}]}


def test_sqs_record_without_message_id_fails_the_whole_batch() -> None:
    rec = sqs_record("x", "{}")
    del rec["messageId"]
    with pytest.raises(UnitFailed):
        handler({"Records": [rec]}, Context())


def test_redelivered_batch_creates_no_duplicate_findings(capsys: pytest.CaptureFixture[str]) -> None:
    body = json.dumps(load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json"))
    event = {"Records": [sqs_record("m-1", body)]}
    handler(event, Context())
    first, _ = stdout_lines(capsys)
    assert first
    handler(event, Context())  # SQS delivers at least once
    again, logs = stdout_lines(capsys)
    assert again == [] and logs[0]["duplicates"] == len(first)


@pytest.fixture
def trail_bucket(aws_endpoint: str) -> Any:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=NOTIFIED_KEY, Body=(FORMATS / "aws_1_cloudtrail_s3_object.json.gz").read_bytes())
    return s3


def test_s3_notifications_direct_and_through_sqs_read_the_trail_object(
        trail_bucket: Any, capsys: pytest.CaptureFixture[str]) -> None:
    direct = load("aws_1b_s3_objectcreated_notification_to_lambda.json")
    assert handler(direct, Context())["events"] == 1
    via_sqs = json.loads((FORMATS.parent.parent / "local" / "ingest" /
                          "sqs_lambda_event_s3_notifications.constructed.json").read_text())
    assert handler(via_sqs, Context()) == {"batchItemFailures": []}
    _, logs = stdout_lines(capsys)
    assert logs[-1]["trigger"] == "sqs" and logs[-1]["events_in"] == 2


def test_s3_object_that_cannot_be_read_is_returned_for_redelivery(
        aws_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("s3").create_bucket(Bucket=BUCKET)  # the object itself is missing
    note = load("aws_1b_s3_objectcreated_notification_to_lambda.json")
    out = handler({"Records": [sqs_record("s3-1", json.dumps(note))]}, Context())
    assert out == {"batchItemFailures": [{"itemIdentifier": "s3-1"}]}


def test_config_switch_flips_between_invocations_without_redeploy(
        aws_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="cfg")
    s3.put_object(Bucket="cfg", Key="auditwarden.yaml", Body=b"detectors: {rules: true}\n")
    monkeypatch.setenv("AUDITWARDEN_CONFIG", "s3://cfg/auditwarden.yaml")
    monkeypatch.setenv("AUDITWARDEN_CONFIG_TTL_SECONDS", "0")
    event = load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json")
    assert handler(event, Context())["findings"] >= 1
    s3.put_object(Bucket="cfg", Key="auditwarden.yaml", Body=b"detectors: {rules: false}\n")
    assert handler(event, Context())["findings"] == 0
    _, logs = stdout_lines(capsys)
    assert [x["config"] for x in logs] == ["s3://cfg/auditwarden.yaml"] * 2


def test_a_broken_config_re_read_keeps_the_last_good_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "aw.yaml"
    cfg.write_text("detectors: {rules: false}\n")
    monkeypatch.setenv("AUDITWARDEN_CONFIG", str(cfg))
    monkeypatch.setenv("AUDITWARDEN_CONFIG_TTL_SECONDS", "0")
    event = load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json")
    assert handler(event, Context())["findings"] == 0
    cfg.write_text("detectors: {rules: maybe}\n")
    assert handler(event, Context())["findings"] == 0  # still the last good configuration
    _, logs = stdout_lines(capsys)
    assert "keeping the previous one" in logs[-1]["errors"][0] and "aw.yaml:1" in logs[-1]["errors"][0]


def test_one_log_line_per_invocation_is_cloudwatch_emf(capsys: pytest.CaptureFixture[str]) -> None:
    handler(load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json"), Context())
    _, logs = stdout_lines(capsys)
    (line,) = logs
    directive = line["_aws"]["CloudWatchMetrics"][0]
    names = {m["Name"] for m in directive["Metrics"]}
    assert {"EventsIn", "EventsDropped", "Latency", "Revocations", "Findings.high"} <= names
    for name in names:  # EMF: every declared metric is a top-level number
        assert isinstance(line[name], int | float)
    assert directive["Dimensions"] == [["Function"]] and line["Function"].startswith("auditwarden-")
    assert line["EventsIn"] == 1 and isinstance(line["_aws"]["Timestamp"], int)


def test_nightly_without_the_nightly_artifact_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    out = handler({"auditwarden": "nightly"}, Context())
    jobs = out["nightly"]["jobs"]
    assert set(jobs) == {"report", "anomaly"}
    for job in jobs.values():
        if job["status"] == "unavailable":
            assert "nightly artifact" in job["detail"] or "run_nightly" in job["detail"]


def test_heartbeat_silence_becomes_one_tamper_finding(capsys: pytest.CaptureFixture[str]) -> None:
    event = load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json")  # eventTime 2024-07-31T13:06:24Z
    t_event = 1722431184.0
    clock = [t_event + 60]
    rt = Runtime(Options(function="t"), clock=lambda: clock[0])
    handle(event, Context(), rt)
    stdout_lines(capsys)
    clock[0] = t_event + 5 * 3600  # within the default 6 h
    assert handle({"auditwarden": "nightly"}, Context(), rt)["nightly"]["tamper_findings"] == 0
    clock[0] = t_event + 7 * 3600
    handle({"auditwarden": "nightly"}, Context(), rt)
    findings, _ = stdout_lines(capsys)
    assert [(f["rule"], f["account"], f["category"]) for f in findings] == [
        ("tamper.audit_log_silence", "143434273843", "tamper")]
    assert findings[0]["evidence"]["last_event_time"] == "2024-07-31T13:06:24Z"
    clock[0] = t_event + 31 * 3600  # the next night: the same gap is not reported again
    handle({"auditwarden": "nightly"}, Context(), rt)
    assert stdout_lines(capsys)[0] == []


def test_redelivery_to_a_cold_container_is_deduplicated_in_dynamodb(
        aws_endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    from scanner.state.dynamodb import create_table

    create_table(boto3.client("dynamodb"), "aw-state")
    event = {"Records": [sqs_record("m-1", json.dumps(load("aws_3_eventbridge_aws_api_call_via_cloudtrail.json")))]}
    handle(event, Context(), Runtime(Options(state="dynamodb:aw-state")))
    first, _ = stdout_lines(capsys)
    assert first
    handle(event, Context(), Runtime(Options(state="dynamodb:aw-state")))  # another container
    again, logs = stdout_lines(capsys)
    assert again == [] and logs[0]["duplicates"] == len(first)


def test_lambda_runs_findings_through_the_response_gate(
        aws_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """README: `scan --respond` runs the gate "in-process, as the Lambda does"; Terraform grants the
    function its responders' IAM actions. A deploy with a long-lived key must meet the gate here too."""
    from tests.respond.test_request_text import CONFIG, put_image

    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    account = "123456789012"
    record = put_image(5, {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001",
                           "arn": f"arn:aws:iam::{account}:user/alice", "accountId": account,
                           "accessKeyId": key, "userName": "alice"})
    event = {"version": "0", "id": "6f0c1f7e-0000-4000-8000-000000000001", "detail-type": "AWS API Call via CloudTrail",
             "source": "aws.ecr", "account": account, "time": record["eventTime"], "region": "us-east-1",
             "resources": [], "detail": record}
    config = tmp_path / "auditwarden.yaml"
    config.write_text(CONFIG)
    monkeypatch.setenv("AUDITWARDEN_CONFIG", str(config))
    monkeypatch.setenv("AUDITWARDEN_STATE", str(tmp_path / "state.sqlite"))
    handler(event, Context())
    findings, logs = stdout_lines(capsys)
    acted = [f["response"] for f in findings if f.get("response")]
    assert [(a["target"], a["status"]) for a in acted] == [(key, "executed")]
    status = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"][0]["Status"]
    assert status == "Inactive"
    assert logs[-1]["revocations"] == 1
