"""Sinks against real local servers: SNS (moto), webhook / Slack (pytest-httpserver), Pub/Sub (gRPC fake);
and the promise that a sink failing does not lose the finding."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from pytest_httpserver import HTTPServer

from scanner.handlers.aws_lambda import handle
from scanner.live.clients import Clients
from scanner.live.runtime import Options, Runtime
from scanner.model.finding import Finding
from scanner.sinks.webhook import slack_message
from tests.handlers.lambda_support import Context, load, sqs_record, stdout_lines
from tests.live.gcp_pubsub_fake import FakePublisher, pubsub  # noqa: F401

EVENT = "aws_3_eventbridge_aws_api_call_via_cloudtrail.json"


def runtime(tmp_path: Path, config: str, clients: Clients | None = None) -> Runtime:
    path = tmp_path / "auditwarden.yaml"
    path.write_text(config)
    return Runtime(Options(config_location=str(path), function="t"), clients, sleep=lambda s: None)


def test_sns_sink_publishes_the_finding_json_with_filterable_attributes(aws_endpoint: str, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="auditwarden")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    rt = runtime(tmp_path, f"serverless:\n  sinks:\n    - {{type: sns, topic_arn: '{topic}'}}\n")
    handle(load(EVENT), Context(), rt)
    msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    envelope = json.loads(msgs[0]["Body"])
    finding = json.loads(envelope["Message"])
    assert finding["rule"] == "aws.cloudtrail.logging_stopped"
    assert envelope["Subject"].startswith("[high] ")
    assert envelope["MessageAttributes"]["severity"]["Value"] == "high"
    assert stdout_lines(capsys)[0] == []  # stdout is not a sink unless configured


def test_slack_webhook_gets_escaped_text(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = httpserver.url_for("/hook")
    rt = runtime(tmp_path, f"serverless:\n  sinks:\n    - {{type: webhook, format: slack, url: '{hook}'}}\n")
    handle(load(EVENT), Context(), rt)
    (req, _), = httpserver.log
    text = req.get_json()["text"]
    assert "CloudTrail logging stopped" in text and "arn:aws:iam::143434273843:user/christophe" in text


def test_slack_text_neutralises_mentions_links_and_control_characters() -> None:
    f = Finding(id="x", rule="r", title="t", severity="high", category="tamper", cloud="aws", account="1",
                principal="<!channel> <https://evil.example|click>\x1b[31m", action="a", resource="r", time="")
    text = slack_message(f)["text"]
    assert "<!channel>" not in text and "<https://" not in text and "\x1b" not in text
    assert "&lt;!channel&gt;" in text


def test_min_severity_per_sink(httpserver: HTTPServer, tmp_path: Path) -> None:
    hook = httpserver.url_for("/hook")
    rt = runtime(tmp_path, f"serverless:\n  sinks:\n    - {{type: webhook, min_severity: critical, url: '{hook}'}}\n")
    handle(load(EVENT), Context(), rt)  # a high finding
    assert httpserver.log == []


def test_a_failing_sink_keeps_the_finding_until_redelivery_succeeds(
        httpserver: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hook = httpserver.url_for("/hook")
    config = (f"serverless:\n  sink_attempts: 2\n  sinks:\n    - {{type: stdout}}\n"
              f"    - {{type: webhook, url: '{hook}'}}\n")
    rt = runtime(tmp_path, config)
    event = {"Records": [sqs_record("m-1", json.dumps(load(EVENT)))]}
    httpserver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("down", status=503)
    assert handle(event, Context(), rt) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    printed, logs = stdout_lines(capsys)
    assert len(printed) == 1 and logs[0]["sink_retries"] == 1
    assert "HTTP 503" in logs[0]["errors"][0] and "/hook" not in logs[0]["errors"][0]  # the URL is a secret
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    assert handle(event, Context(), rt) == {"batchItemFailures": []}  # SQS redelivers it
    (req, _), = httpserver.log[-1:]
    assert req.get_json()["rule"] == "aws.cloudtrail.logging_stopped"
    again, _ = stdout_lines(capsys)
    assert again == []  # stdout had it already: only the failed sink is retried


def test_an_async_event_whose_sink_fails_raises_for_the_lambda_dlq(httpserver: HTTPServer, tmp_path: Path) -> None:
    from scanner.handlers.aws_lambda import UnitFailed

    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    hook = httpserver.url_for("/hook")
    rt = runtime(tmp_path, f"serverless:\n  sink_attempts: 1\n  sinks:\n    - {{type: webhook, url: '{hook}'}}\n")
    with pytest.raises(UnitFailed, match="sink webhook failed"):
        handle(load(EVENT), Context(), rt)


def test_pubsub_sink(pubsub: FakePublisher, tmp_path: Path) -> None:  # noqa: F811
    topic = "projects/acme-sec/topics/auditwarden-findings"
    rt = runtime(tmp_path, f"serverless:\n  sinks:\n    - {{type: pubsub, topic: '{topic}'}}\n",
                 Clients(pubsub=pubsub.client))
    handle(load(EVENT), Context(), rt)
    (msg,) = pubsub.messages[topic]
    assert json.loads(msg.data)["rule"] == "aws.cloudtrail.logging_stopped"
    assert msg.attributes["severity"] == "high"


def test_sinks_section_errors_name_the_line(tmp_path: Path) -> None:
    from scanner.yamlio import YamlError

    rt = runtime(tmp_path, "serverless:\n  sinks:\n    - {type: carrier_pigeon}\n")
    with pytest.raises(YamlError, match=r"auditwarden.yaml:3.*sink type"):
        rt.wired()


