"""Helpers for driving the Lambda handler the way Lambda does: recorded payloads, SQS records, stdout lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AUDIT

FORMATS = AUDIT / "formats"
#: ../shared beside the repository (a worktree sits one level deeper than the main checkout).
SHARED_FORMATS = next((p / "shared" / "data" / "audit" / "formats" for p in Path(__file__).resolve().parents[3:5]
                       if (p / "shared").is_dir()), Path("/nonexistent"))
STOP_LOGGING_ID = "10163ed2-2253-469d-a5ee-cbc6651f8934"


def load(name: str) -> Any:
    return json.loads((FORMATS / name).read_text())


def sqs_record(message_id: str, body: str) -> dict[str, Any]:
    return {"messageId": message_id, "receiptHandle": "rh-" + message_id, "body": body,
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
            "md5OfBody": "0" * 32, "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:143434273843:auditwarden-events", "awsRegion": "us-east-1"}


def stdout_lines(capsys: pytest.CaptureFixture[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(findings, log lines) written to stdout since the last call."""
    out = capsys.readouterr().out
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    logs = [x for x in lines if "log" in x]
    return [x for x in lines if "log" not in x], logs


class Context:
    aws_request_id = "req-1"
    function_name = "auditwarden"
