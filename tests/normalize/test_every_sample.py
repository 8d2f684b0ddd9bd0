"""Every sample in tests/fixtures/audit normalizes; the only rejections are inputs that are not audit records.

A new rejection — a sample that stops decoding, or a new file the decoders cannot read — fails here.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import boto3
import pytest

from scanner.normalize import normalize
from scanner.normalize.keys import quick_key
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.records import RawRecord, Rejected, Skipped
from scanner.timeutil import parse_time
from tests.conftest import AUDIT
from tests.normalize.corpus import FORMATS, corpus_records, decode_all

_LICENCE = "licence text"
_PROTO = "protobuf definition"
_NOT_A_LOGENTRY = "Pub/Sub example whose message data is plain text, not a LogEntry"

#: path under tests/fixtures/audit → (reasons of its rejections, why that is right)
EXPECTED_REJECTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "aws/custodian/LICENSE.custodian": (("not_json",), _LICENCE),
    "aws/plaso/LICENSE": (("not_json",), _LICENCE),
    "gcp/cloudevents/LICENSE": (("not_json",), _LICENCE),
    "gcp/plaso/LICENSE": (("not_json",), _LICENCE),
    "gcp/security-analytics/LICENSE": (("not_json",), _LICENCE),
    "gcp/stratus-docs/LICENSE.stratus": (("not_json",), _LICENCE),
    "gcp/cloudevents/proto/google/events/cloud/audit/v1/data.proto": (("not_json",), _PROTO),
    "gcp/cloudevents/proto/google/events/cloud/audit/v1/events.proto": (("not_json",), _PROTO),
    "aws/custodian/cwe/event-config-rule-instance.json": (
        ("unknown_format",), "AWS Config rule Lambda invocation (configRuleName, invokingEvent), not an audit record"),
    "aws/custodian/cwe/event-config-rule-security-group.json": (
        ("unknown_format",), "AWS Config rule Lambda invocation, not an audit record"),
    "formats/aws_2_cwlogs_subscription_lambda_event.powertools_doc.json": (
        ("not_json", "not_json"), "Powertools' CloudWatch Logs sample carries plain-text log lines"),
    "formats/aws_2_cwlogs_subscription_lambda_event.powertools_doc.DECODED.json": (
        ("not_json", "not_json"), "the same sample, decoded"),
    "formats/gcp_2c_pubsub_cloudevent.google-cloudevents_example.json": (("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/examples/binary/pubsub/MessagePublishedData-complex.json": (
        ("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/examples/binary/pubsub/MessagePublishedData-simple.json": (
        ("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/examples/structured/pubsub/MessagePublishedData.json": (("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/testdata/google/events/cloud/pubsub/v1/MessagePublishedData-binary.json": (
        ("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/testdata/google/events/cloud/pubsub/v1/MessagePublishedData-duplicatedFields.json": (
        ("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/testdata/google/events/cloud/pubsub/v1/MessagePublishedData-text.json": (
        ("bad_pubsub_payload",), _NOT_A_LOGENTRY),
    "gcp/cloudevents/json/audit/service_catalog.json": (
        ("unknown_format",), "catalogue of audit-log services in google-cloudevents, not a log entry"),
}

#: Records the corpus holds, by kind: a sample that silently stops yielding its records fails here.
EXPECTED_COUNTS = {"cloudtrail": 38, "eventbridge": 11, "gcp_logentry": 52}


#: Samples their publishers trimmed to the fields they were showing, and what the trimming removed.
#: Sample records that lack fields we still judge them without (ids missing from a record are
#: synthesized from its hash, so "id" is never missing).
TRIMMED = {
    "event-cloud-trail-bedrock-create-customization-jobs.json": ("time",),
    # Stratus Red Team's documentation shows protoPayload excerpts
    "gcp.exfiltration.share-compute-disk.json[0]": ("time", "service", "operation"),
    "gcp.exfiltration.share-compute-image.json[0]": ("time", "service", "operation"),
    "gcp.exfiltration.share-compute-snapshot.json[0]": ("time", "service", "operation"),
    "gcp.impact.gcs-ransomware-client-side-encryption.json[0]": ("time",),
    "gcp.impact.gcs-ransomware-individual-deletion.json[0]": ("time",),
    "gcp.persistence.invite-external-user.json[0]": ("time",),
    "gcp.privilege-escalation.impersonate-service-accounts.json[0]": ("time",),
}


@pytest.fixture
def corpus_with_s3(aws_endpoint: str) -> list[tuple[Path, Any]]:
    """The corpus decoded with the S3 object its S3 notification names served by moto."""
    client = boto3.client("s3")
    client.create_bucket(Bucket="my-cloudtrail-bucket")
    client.put_object(
        Bucket="my-cloudtrail-bucket",
        Key="AWSLogs/o-exampleorg/143434273843/CloudTrail/us-east-1/2024/07/31/"
            "143434273843_CloudTrail_us-east-1_20240731T1310Z_AbCdEfGhIjKlMnOp.json.gz",
        Body=(FORMATS / "aws_1_cloudtrail_s3_object.json.gz").read_bytes(),
    )
    return decode_all(InputReader(Limits()))


def test_every_sample_normalizes_and_only_non_audit_inputs_are_rejected(corpus_with_s3: list[tuple[Path, Any]]) -> None:
    rejections: dict[str, list[str]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    incomplete: dict[str, tuple[str, ...]] = {}
    for path, item in corpus_with_s3:
        if isinstance(item, Rejected):
            rejections[path.relative_to(AUDIT).as_posix()].append(item.reason)
        elif isinstance(item, RawRecord):
            counts[item.kind] += 1
            ev = normalize(item)  # raises on a record it cannot map: the test fails with the reason
            assert ev.cloud in ("aws", "gcp"), item.origin
            assert parse_time(ev.time) is not None or not ev.time, item.origin
            missing = tuple(f for f in ("id", "time", "service", "operation") if not getattr(ev, f))
            if missing:
                incomplete[item.origin.rpartition("/")[2]] = missing
        else:
            assert isinstance(item, Skipped)
            pytest.fail(f"{path}: nothing in the shared samples is skipped, got {item}")
    assert {k: sorted(v) for k, v in rejections.items()} == {
        k: sorted(reasons) for k, (reasons, _why) in EXPECTED_REJECTIONS.items()
    }
    assert dict(counts) == EXPECTED_COUNTS
    assert incomplete == TRIMMED


def test_quick_key_agrees_with_the_full_event_on_every_sample() -> None:
    # The scan decides from the quick key whether to normalize; a disagreement would hide records.
    for rec in corpus_records():
        ev = normalize(rec)
        assert quick_key(rec) == (ev.cloud, ev.service, ev.operation, ev.principal_type), rec.origin
