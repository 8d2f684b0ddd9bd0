"""Every recorded payload in the formats folder, through the door it arrives at, with the outcome a user
relies on. A new sample without a row here fails the inventory test, so none is silently left out."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from scanner.handlers.aws_lambda import UnitFailed, handle
from scanner.live.runtime import Options, Runtime
from tests.handlers.lambda_support import FORMATS, Context, stdout_lines

#: file → (door, how it is delivered, expected: "ok" with that many events in, or "retry")
LAMBDA: dict[str, tuple[str, int]] = {
    "aws_1_cloudtrail_s3_object.json": ("ok", 1),  # a trail object's document, invoked directly
    "aws_1b_s3_objectcreated_notification_to_lambda.json": ("ok", 1),  # S3 → Lambda, reads the object
    "aws_2_cwlogs_subscription_lambda_event.powertools_doc.json": ("retry", 0),  # plain-text log lines
    "aws_2_cwlogs_subscription_lambda_event.powertools_doc.DECODED.json": ("retry", 0),
    "aws_2b_cwlogs_subscription_built_from_real_record.json": ("ok", 1),
    "aws_2b_cwlogs_subscription_built_from_real_record.DECODED.json": ("ok", 1),
    "aws_3_eventbridge_aws_api_call_via_cloudtrail.json": ("ok", 1),
    "aws_4_ILLUSTRATIVE_github_oidc_assumerolewithwebidentity_then_ecr_putimage.json": ("ok", 2),
}
FUNCTION: dict[str, tuple[str, int]] = {
    "gcp_1_logentry_auditlog.json": ("ok", 1),  # a LogEntry as the sink publishes it (wrapped below)
    "gcp_2_pubsub_cloudevent_gen2.json": ("ok", 1),
    "gcp_2c_pubsub_cloudevent.google-cloudevents_example.json": ("retry", 0),  # data is "test message 3"
    "gcp_4_eventarc_direct_auditlog_LogEntryData.google-cloudevents.json": ("ok", 1),  # wrapped as Eventarc
}
NOT_TRIGGERS = {
    "aws_1_cloudtrail_s3_object.json.gz": "the S3 object itself: read through its notification (aws_1b)",
    "gcp_2b_pubsub_background_event_gen1.json": "gen1 background-function shape; the function is gen2 (CloudEvents)",
    "gcp_3_gcs_sink__cloudaudit.googleapis.com__activity__2021__10__19__02-00-00_02-59-59_S0.json":
        "an hourly GCS sink file: `auditwarden scan gs://…` reads those",
}


def test_every_sample_has_a_row() -> None:
    names = {p.name for p in FORMATS.iterdir()}
    assert names == set(LAMBDA) | set(FUNCTION) | set(NOT_TRIGGERS)


@pytest.fixture
def trail_object(aws_endpoint: str) -> None:
    note = json.loads((FORMATS / "aws_1b_s3_objectcreated_notification_to_lambda.json").read_text())
    s3 = note["Records"][0]["s3"]
    client = boto3.client("s3")
    client.create_bucket(Bucket=s3["bucket"]["name"])
    client.put_object(Bucket=s3["bucket"]["name"], Key=s3["object"]["key"],
                      Body=(FORMATS / "aws_1_cloudtrail_s3_object.json.gz").read_bytes())


@pytest.mark.parametrize("name", sorted(LAMBDA))
def test_lambda_replay(name: str, trail_object: None, capsys: pytest.CaptureFixture[str]) -> None:
    expect, events = LAMBDA[name]
    event = json.loads((FORMATS / name).read_text())
    rt = Runtime(Options(function="replay"))
    if expect == "retry":
        with pytest.raises(UnitFailed):
            handle(event, Context(), rt)
    else:
        assert handle(event, Context(), rt)["events"] == events
    _, logs = stdout_lines(capsys)
    assert logs[-1]["events_in"] == events


def _cloudevent(name: str) -> dict[str, Any]:
    doc = json.loads((FORMATS / name).read_text())
    if "specversion" in doc:
        return dict(doc)
    if name.startswith("gcp_4"):
        return {"specversion": "1.0", "type": "google.cloud.audit.log.v1.written", "id": "ea-1",
                "source": "//cloudaudit.googleapis.com/projects/test-project/logs/activity",
                "datacontenttype": "application/json", "data": doc}
    return {"specversion": "1.0", "type": "google.cloud.pubsub.topic.v1.messagePublished", "id": "ps-1",
            "source": "//pubsub.googleapis.com/projects/p/topics/audit", "datacontenttype": "application/json",
            "data": {"message": {"data": base64.b64encode(json.dumps(doc).encode()).decode(), "messageId": "ps-1"}}}


@pytest.mark.parametrize("name", sorted(FUNCTION))
def test_cloud_function_replay(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("functions_framework", reason="the [gcp] extra is not installed")
    from functions_framework import create_app

    from scanner.handlers import gcp_function

    for var in ("AUDITWARDEN_CONFIG", "AUDITWARDEN_STATE", "AUDITWARDEN_DEAD_LETTER_TOPIC"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("K_SERVICE", f"replay-{tmp_path.name}")
    app = create_app(target="receive", source=gcp_function.__file__, signature_type="cloudevent").test_client()
    expect, events = FUNCTION[name]
    resp = app.post("/", json=_cloudevent(name), headers={"Content-Type": "application/cloudevents+json"})
    assert resp.status_code == (200 if expect == "ok" else 500)
    _, logs = stdout_lines(capsys)
    assert logs[-1]["events_in"] == events
