"""Findings to an SNS topic: the JSON finding as the message, severity and rule as filterable attributes."""

from __future__ import annotations

from typing import Any

import orjson

from scanner.model.finding import Finding
from scanner.ops.terminal import safe_line

#: SNS subjects: at most 100 characters, printable ASCII, no newline.
_SUBJECT_LIMIT = 100


def subject_of(finding: Finding) -> str:
    text = safe_line(f"[{finding.severity}] {finding.title}").encode("ascii", "replace").decode("ascii")
    return text[:_SUBJECT_LIMIT]


class SnsSink:
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic = topic_arn

    def send(self, finding: Finding) -> None:
        self._client.publish(
            TopicArn=self._topic,
            Message=orjson.dumps(finding.to_dict()).decode("utf-8"),
            Subject=subject_of(finding),
            MessageAttributes={
                "severity": {"DataType": "String", "StringValue": finding.severity},
                "rule": {"DataType": "String", "StringValue": finding.rule},
                "category": {"DataType": "String", "StringValue": finding.category},
            },
        )
