"""S3 input against moto's server: notifications that name objects, and s3://bucket/prefix expansion."""

from __future__ import annotations

import gzip
from typing import Any

import boto3
import orjson
import pytest

from scanner.ops.stats import RunStats
from scanner.pipeline import iter_events
from scanner.sources.limits import Limits
from scanner.sources.paths import InputError, InputReader, expand
from scanner.sources.records import Rejected
from tests.conftest import AUDIT, FIXTURES
from tests.sources.decoding import decode, decode_doc, record_id, records, rejected, skipped

FORMATS = AUDIT / "formats"
LOCAL = FIXTURES / "local" / "ingest"
BUCKET = "my-cloudtrail-bucket"
NOTIFIED_KEY = (
    "AWSLogs/o-exampleorg/143434273843/CloudTrail/us-east-1/2024/07/31/"
    "143434273843_CloudTrail_us-east-1_20240731T1310Z_AbCdEfGhIjKlMnOp.json.gz"
)
STOP_LOGGING_ID = "10163ed2-2253-469d-a5ee-cbc6651f8934"
TRAIL_OBJECT = (FORMATS / "aws_1_cloudtrail_s3_object.json.gz").read_bytes()


@pytest.fixture
def s3(aws_endpoint: str) -> Any:
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key=NOTIFIED_KEY, Body=TRAIL_OBJECT)
    return client


def test_s3_objectcreated_notification_reads_the_object(s3: Any) -> None:
    items = decode(FORMATS / "aws_1b_s3_objectcreated_notification_to_lambda.json")
    recs = records(items)
    assert [record_id(r) for r in recs] == [STOP_LOGGING_ID]
    assert recs[0].origin == f"s3://{BUCKET}/{NOTIFIED_KEY}#Records[0]"
    assert not rejected(items)


def test_sqs_messages_wrapping_s3_notifications_direct_and_through_sns(s3: Any) -> None:
    items = decode(LOCAL / "sqs_lambda_event_s3_notifications.constructed.json")
    assert [record_id(r) for r in records(items)] == [STOP_LOGGING_ID, STOP_LOGGING_ID]
    assert not rejected(items)


def test_sns_notification_of_a_cloudtrail_delivery(s3: Any) -> None:
    items = decode(LOCAL / "sns_lambda_event_cloudtrail_delivery.constructed.json")
    assert [record_id(r) for r in records(items)] == [STOP_LOGGING_ID]
    assert not rejected(items)


def test_notification_keys_are_url_decoded_and_digests_skipped(s3: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key="AWSLogs/with space/trail.json.gz", Body=TRAIL_OBJECT)
    note = orjson.loads((FORMATS / "aws_1b_s3_objectcreated_notification_to_lambda.json").read_bytes())
    note["Records"][0]["s3"]["object"]["key"] = "AWSLogs/with+space/trail.json.gz"
    digest = orjson.loads(orjson.dumps(note))
    digest["Records"][0]["s3"]["object"]["key"] = (
        "AWSLogs/143434273843/CloudTrail-Digest/us-east-1/2024/07/31/x_CloudTrail-Digest_us-east-1_20240731T1310Z.json.gz")
    reader = InputReader(Limits())
    from scanner.sources.envelopes import unwrap

    got = list(unwrap(note, "n", Limits(), reader.read_s3_object))
    assert [record_id(r) for r in records(got)] == [STOP_LOGGING_ID]
    got = list(unwrap(digest, "d", Limits(), reader.read_s3_object))
    assert [s.reason for s in skipped(got)] == ["cloudtrail_digest"]


def test_eventbridge_s3_object_created_reads_the_object(s3: Any) -> None:
    event = {"version": "0", "id": "c9888434-815d-c6f4-9fc2-4dd7bdeccaaf", "detail-type": "Object Created",
             "source": "aws.s3", "account": "143434273843", "time": "2024-07-31T13:10:00Z", "region": "us-east-1",
             "resources": [f"arn:aws:s3:::{BUCKET}"],
             "detail": {"version": "0", "bucket": {"name": BUCKET},
                        "object": {"key": NOTIFIED_KEY, "size": len(TRAIL_OBJECT)},
                        "request-id": "R", "requester": "143434273843", "reason": "PutObject"}}
    reader = InputReader(Limits())
    from scanner.sources.envelopes import unwrap

    got = list(unwrap(event, "eb", Limits(), reader.read_s3_object))
    assert [record_id(r) for r in records(got)] == [STOP_LOGGING_ID]


def test_s3_prefix_expands_reads_objects_and_counts_the_skipped_digest(s3: Any) -> None:
    day = "AWSLogs/143434273843/CloudTrail/us-east-1/2024/07/31/"
    second = orjson.loads(gzip.decompress(TRAIL_OBJECT))
    second["Records"][0]["eventID"] = "second-object-record"
    s3.put_object(Bucket=BUCKET, Key=day + "b_CloudTrail_us-east-1_20240731T1320Z.json",
                  Body=orjson.dumps(second))  # not gzipped: also fine
    s3.put_object(Bucket=BUCKET, Key=day + "a_CloudTrail_us-east-1_20240731T1310Z.json.gz", Body=TRAIL_OBJECT)
    # a digest holding garbage: if it were opened it would be rejected, not skipped
    s3.put_object(Bucket=BUCKET, Key="AWSLogs/143434273843/CloudTrail-Digest/us-east-1/2024/07/31/"
                  "143434273843_CloudTrail-Digest_us-east-1_trail_us-east-1_20240731T1300Z.json.gz", Body=b"\x00junk")
    s3.put_object(Bucket=BUCKET, Key="elsewhere/other.json.gz", Body=TRAIL_OBJECT)

    names = list(expand([f"s3://{BUCKET}/AWSLogs/143434273843/"]))
    assert names == [
        f"s3://{BUCKET}/AWSLogs/143434273843/CloudTrail-Digest/us-east-1/2024/07/31/"
        "143434273843_CloudTrail-Digest_us-east-1_trail_us-east-1_20240731T1300Z.json.gz",
        f"s3://{BUCKET}/{day}a_CloudTrail_us-east-1_20240731T1310Z.json.gz",
        f"s3://{BUCKET}/{day}b_CloudTrail_us-east-1_20240731T1320Z.json",
    ]
    stats = RunStats()
    dead: list[Rejected] = []
    reader = InputReader(Limits())
    ids = [ev.id for name in names for ev in iter_events(reader, name, stats, dead.append)]
    assert ids == [STOP_LOGGING_ID, "second-object-record"]
    assert stats.skipped["cloudtrail_digest"] == 1
    assert stats.records == 2 and not dead and stats.inputs_unreadable == 0


def test_s3_errors_are_reported_not_raised(s3: Any) -> None:
    missing = decode(f"s3://{BUCKET}/AWSLogs/no-such-object.json.gz")
    assert [r.reason for r in rejected(missing)] == ["read_error"]
    assert "NoSuchKey" in rejected(missing)[0].detail or "does not exist" in rejected(missing)[0].detail
    with pytest.raises(InputError, match="no-such-bucket"):
        list(expand(["s3://no-such-bucket/AWSLogs/"]))
    with pytest.raises(InputError, match="no bucket"):
        list(expand(["s3:///AWSLogs/"]))


def test_notification_without_s3_access_is_rejected_not_raised() -> None:
    note = orjson.loads((FORMATS / "aws_1b_s3_objectcreated_notification_to_lambda.json").read_bytes())
    assert [r.reason for r in rejected(decode_doc(note))] == ["s3_unavailable"]


def test_an_object_that_notifies_about_itself_is_not_followed_forever(s3: Any) -> None:
    loop_key = "AWSLogs/loop.json"
    note = orjson.loads((FORMATS / "aws_1b_s3_objectcreated_notification_to_lambda.json").read_bytes())
    note["Records"][0]["s3"]["object"]["key"] = loop_key
    s3.put_object(Bucket=BUCKET, Key=loop_key, Body=orjson.dumps(note))
    items = decode(f"s3://{BUCKET}/{loop_key}")
    assert [r.reason for r in rejected(items)] == ["notification_loop"]
    assert not records(items)
