"""The Cloud Function door through functions-framework, with real CloudEvent HTTP requests."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("functions_framework", reason="the [gcp] extra is not installed")

from functions_framework import create_app

from scanner.handlers import gcp_function
from tests.handlers.lambda_support import FORMATS, load, stdout_lines
from tests.live.gcp_pubsub_fake import FakePublisher, pubsub  # noqa: F401

SOURCE = Path(gcp_function.__file__)
DLT = "projects/acme-sec/topics/auditwarden-dead-letter"
HEADERS = {"Content-Type": "application/cloudevents+json"}


@pytest.fixture(autouse=True)
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AUDITWARDEN_CONFIG", "AUDITWARDEN_STATE", "AUDITWARDEN_DEAD_LETTER_TOPIC"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("K_SERVICE", f"auditwarden-{tmp_path.name}")  # a fresh warm runtime per test


def client(source: Path = SOURCE) -> Any:
    return create_app(target="receive", source=str(source), signature_type="cloudevent").test_client()


def pubsub_event(data: bytes, attributes: dict[str, str] | None = None, ident: str = "m-1") -> dict[str, Any]:
    return {"specversion": "1.0", "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": "//pubsub.googleapis.com/projects/acme-sec/topics/auditwarden-audit-logs", "id": ident,
            "datacontenttype": "application/json",
            "data": {"subscription": "projects/acme-sec/subscriptions/eventarc-auditwarden",
                     "message": {"data": base64.b64encode(data).decode(), "messageId": ident,
                                 "attributes": attributes or {}}}}


def test_pubsub_log_sink_cloudevent_with_no_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    resp = client().post("/", json=load("gcp_2_pubsub_cloudevent_gen2.json"), headers=HEADERS)
    assert resp.status_code == 200, resp.data
    findings, logs = stdout_lines(capsys)
    assert [f["rule"] for f in findings] == ["gcp.iam.impersonation_role_granted"]
    (line,) = logs
    assert line["trigger"] == "pubsub" and line["events_in"] == 1 and line["severity"] == "INFO"
    assert line["dropped"] == {} and "_aws" not in line  # structured Cloud Logging line, same fields


def test_eventarc_direct_audit_log_event(capsys: pytest.CaptureFixture[str]) -> None:
    ce = {"specversion": "1.0", "type": "google.cloud.audit.log.v1.written", "id": "ea-1",
          "source": "//cloudaudit.googleapis.com/projects/test-project/logs/activity",
          "datacontenttype": "application/json",
          "data": load("gcp_4_eventarc_direct_auditlog_LogEntryData.google-cloudevents.json")}
    assert client().post("/", json=ce, headers=HEADERS).status_code == 200
    _, logs = stdout_lines(capsys)
    assert logs[0]["trigger"] == "audit_log" and logs[0]["events_in"] == 1


def test_poison_message_without_a_dead_letter_topic_is_refused_for_redelivery() -> None:
    resp = client().post("/", json=load("gcp_2c_pubsub_cloudevent.google-cloudevents_example.json"), headers=HEADERS)
    assert resp.status_code == 500  # the subscription's dead-letter policy ends the redeliveries


@pytest.fixture
def wired_source(tmp_path: Path, pubsub: FakePublisher, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:  # noqa: F811
    """A function source whose runtime publishes to the local Pub/Sub fake (what GCP's client does)."""
    src = tmp_path / "main.py"
    src.write_text(
        "import grpc\nfrom google.cloud import pubsub_v1\n"
        "from google.pubsub_v1.services.publisher.transports.grpc import PublisherGrpcTransport\n"
        "from scanner.handlers.gcp_function import handle_cloud_event\n"
        "from scanner.handlers.env import options_from\nfrom scanner.live.clients import Clients\n"
        "from scanner.live.runtime import Runtime\nimport os\n"
        "def _pub():\n    return pubsub_v1.PublisherClient("
        "batch_settings=pubsub_v1.types.BatchSettings(max_messages=1),\n"
        "        transport=PublisherGrpcTransport(channel=grpc.insecure_channel(os.environ['FAKE_PUBSUB'])))\n"
        "RT = Runtime(options_from(os.environ), Clients(pubsub=_pub))\n"
        "def receive(cloud_event):\n    handle_cloud_event(cloud_event, RT)\n")
    monkeypatch.setenv("FAKE_PUBSUB", pubsub.address)
    monkeypatch.setenv("AUDITWARDEN_DEAD_LETTER_TOPIC", DLT)
    yield src


def test_poison_message_is_dead_lettered_and_acknowledged_every_time(
        wired_source: Path, pubsub: FakePublisher, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    app = client(wired_source)
    poison = load("gcp_2c_pubsub_cloudevent.google-cloudevents_example.json")  # data: "test message 3"
    for _ in range(2):  # redelivered anyway (at-least-once): acknowledged again, no loop
        assert app.post("/", json=poison, headers=HEADERS).status_code == 200
    parked = pubsub.messages[DLT]
    assert len(parked) == 2 and parked[0].attributes["reasons"] == "bad_pubsub_payload"
    assert json.loads(parked[0].data)["data"]["message"]["data"] == poison["data"]["message"]["data"]
    _, logs = stdout_lines(capsys)
    assert logs[0]["dead_lettered_message"] is True and logs[0]["severity"] == "ERROR"


def test_good_message_redelivered_gives_no_duplicate_findings(
        wired_source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = json.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_text())
    ce = pubsub_event(json.dumps(entry).encode())
    app = client(wired_source)
    assert app.post("/", json=ce, headers=HEADERS).status_code == 200
    first, _ = stdout_lines(capsys)
    assert [f["rule"] for f in first] == ["gcp.iam.impersonation_role_granted"]
    assert app.post("/", json=ce, headers=HEADERS).status_code == 200
    again, logs = stdout_lines(capsys)
    assert again == [] and logs[0]["duplicates"] == len(first)


def test_nightly_message_from_cloud_scheduler(capsys: pytest.CaptureFixture[str]) -> None:
    ce = pubsub_event(b"{}", {"auditwarden": "nightly"})
    assert client().post("/", json=ce, headers=HEADERS).status_code == 200
    _, logs = stdout_lines(capsys)
    assert logs[0]["trigger"] == "nightly"


def test_redelivery_after_a_cold_start_finds_the_delivery_in_firestore(
        wired_source: Path, firestore_client: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUDITWARDEN_STATE", "firestore:auditwarden-state")
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "acme-sec")
    entry = json.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_text())
    ce = pubsub_event(json.dumps(entry).encode())
    assert client(wired_source).post("/", json=ce, headers=HEADERS).status_code == 200
    assert len(stdout_lines(capsys)[0]) == 1
    assert client(wired_source).post("/", json=ce, headers=HEADERS).status_code == 200  # a new instance
    again, logs = stdout_lines(capsys)
    assert again == [] and logs[0]["duplicates"] == 1
