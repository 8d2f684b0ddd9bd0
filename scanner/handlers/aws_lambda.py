"""AWS Lambda entry point: `scanner.handlers.aws_lambda.handler`.

Triggers: EventBridge ("AWS API Call via CloudTrail", AWS Health, ...), CloudWatch Logs subscription
payloads, SQS batches (S3 notifications of new trail objects, or wrapped events) answered with a
partial-batch response, and the nightly EventBridge Scheduler invocation (`{"auditwarden": "nightly"}`).
"""

from __future__ import annotations

from typing import Any

from scanner.handlers.env import runtime
from scanner.live.metrics import emf_line, write_line
from scanner.live.runtime import Runtime

NIGHTLY = {"auditwarden": "nightly"}


class UnitFailed(Exception):
    """Raised for a failed asynchronous invocation, so Lambda retries it and then sends it to the DLQ."""


def trigger_of(event: Any) -> str:
    if not isinstance(event, dict):
        return "unknown"
    records = event.get("Records")
    if isinstance(records, list) and records and all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs"
                                                      for r in records):
        return "sqs"
    if event.get("auditwarden") == "nightly" or event.get("detail-type") == "Scheduled Event":
        return "nightly"
    if "awslogs" in event:
        return "cloudwatch_logs"
    if event.get("source") == "aws.health":
        return "health"
    if "detail-type" in event:
        return "eventbridge"
    return "event"


def handle(event: Any, context: Any, rt: Runtime) -> dict[str, Any]:
    trigger = trigger_of(event)
    if trigger == "nightly":
        summary, inv = rt.nightly()
        write_line(emf_line(inv, rt.clock()))
        return {"nightly": summary}
    if trigger == "sqs":
        records = event["Records"]
        ids = [r.get("messageId") for r in records]
        if not all(isinstance(i, str) and i for i in ids):
            # A failure we could not name would be deleted with the batch: fail the whole batch instead.
            raise UnitFailed("SQS record without a messageId: the whole batch is retried")
        results, inv = rt.run(list(zip(ids, records, strict=True)), trigger)
        write_line(emf_line(inv, rt.clock()))
        return {"batchItemFailures": [{"itemIdentifier": r.id} for r in results if not r.ok]}
    request = getattr(context, "aws_request_id", "") or "event"
    results, inv = rt.run([(str(request), event)], trigger)
    write_line(emf_line(inv, rt.clock()))
    bad = [r for r in results if not r.ok]
    if bad:
        reasons = sorted({x.reason for r in bad for x in r.rejected} | {r.error for r in bad if r.error})
        raise UnitFailed(f"{trigger} event not fully processed ({'; '.join(reasons)}): retried, then dead-lettered")
    return {"events": inv.events_in, "findings": sum(inv.findings.values()), "delivered": inv.delivered}


def handler(event: Any, context: Any) -> dict[str, Any]:
    return handle(event, context, runtime())
