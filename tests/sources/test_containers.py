"""A record inside a CloudTrail container is judged without eventVersion / eventID (partial and
re-exported logs drop them); only what cannot be judged is dead-lettered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner.config import Config
from scanner.runner import run_scan

STOP = {"eventTime": "2024-07-31T13:05:11Z", "eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging",
        "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.77", "userAgent": "aws-cli/2.15.30",
        "requestParameters": {"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/management-events"},
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice", "accountId": "111122223333",
                         "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "alice"}}

CONTAINERS: dict[str, Any] = {
    "s3 object": {"Records": [STOP]},
    "lookup-events": {"Events": [{"EventId": "x", "EventName": "StopLogging", "CloudTrailEvent": json.dumps(STOP)}]},
    "lookup-events, decoded": {"Events": [{"EventId": "x", "EventName": "StopLogging", "CloudTrailEvent": STOP}]},
    "eventbridge": {"version": "0", "id": "6f1c2b9a-0000-4000-8000-000000000001",
                    "detail-type": "AWS API Call via CloudTrail", "source": "aws.cloudtrail",
                    "account": "111122223333", "time": "2024-07-31T13:05:11Z",
                    "region": "us-east-1", "resources": [], "detail": STOP},
}


def scan(tmp_path: Path, doc: Any, name: str = "partial.json") -> Any:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return run_scan([str(path)], Config(detectors={"provenance": False}))


@pytest.mark.parametrize("shape", CONTAINERS)
def test_partial_record_in_a_container_is_judged(tmp_path: Path, shape: str) -> None:
    out = scan(tmp_path, CONTAINERS[shape])
    assert out.stats.dead_lettered == 0
    [f] = [f for f in out.findings if f.rule == "aws.cloudtrail.logging_stopped"]
    # a stable id stands in for the missing eventID: the same record gets the same id in every run
    assert f.event_ids[0].startswith("synthetic:")
    again = next(g for g in scan(tmp_path, CONTAINERS[shape], "again.json").findings if g.rule == f.rule)
    assert f.event_ids == again.event_ids


def test_notifications_in_records_are_not_taken_for_cloudtrail(tmp_path: Path) -> None:
    # An SQS message sitting in Records names its source "aws:sqs": still unwrapped, not judged as a call.
    body = json.dumps({"Records": [STOP]})
    doc = {"Records": [{"messageId": "m1", "eventSource": "aws:sqs", "eventName": "x", "body": body}]}
    out = scan(tmp_path, doc)
    assert [f.rule for f in out.findings if f.rule.startswith("aws.cloudtrail")] == ["aws.cloudtrail.logging_stopped"]


def test_what_cannot_be_judged_is_still_dead_lettered(tmp_path: Path) -> None:
    no_name = {k: v for k, v in STOP.items() if k != "eventName"}
    out = scan(tmp_path, {"Records": [no_name, STOP | {"eventName": 42}]})
    assert out.stats.dead_lettered == 2 and out.findings == []
