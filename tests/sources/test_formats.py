"""Every wire format a user holds audit logs in decodes to the records inside it (DESIGN.md §1, issue 2)."""

from __future__ import annotations

import base64
import gzip
import io
import shutil
from pathlib import Path
from typing import IO, Any, cast

import orjson
import pytest

from scanner.sources.limits import Limits
from scanner.sources.reader import read_items
from scanner.sources.records import CLOUDTRAIL, EVENTBRIDGE, GCP_LOGENTRY, RawRecord
from tests.conftest import AUDIT, FIXTURES
from tests.sources.decoding import decode, decode_bytes, decode_doc, record_id, records, rejected, skipped

FORMATS = AUDIT / "formats"
LOCAL = FIXTURES / "local" / "ingest"
STOP_LOGGING_ID = "10163ed2-2253-469d-a5ee-cbc6651f8934"
GCP_SET_IAM_ID = "ivg77odhkvt"

#: file → (kind, record count, first record id, reasons of what is rightly rejected)
EXPECTED: dict[str, tuple[str, int, str, tuple[str, ...]]] = {
    "aws_1_cloudtrail_s3_object.json": (CLOUDTRAIL, 1, STOP_LOGGING_ID, ()),
    "aws_1_cloudtrail_s3_object.json.gz": (CLOUDTRAIL, 1, STOP_LOGGING_ID, ()),
    # the Powertools documentation sample carries plain-text log lines, not CloudTrail records
    "aws_2_cwlogs_subscription_lambda_event.powertools_doc.json": ("", 0, "", ("not_json", "not_json")),
    "aws_2_cwlogs_subscription_lambda_event.powertools_doc.DECODED.json": ("", 0, "", ("not_json", "not_json")),
    "aws_2b_cwlogs_subscription_built_from_real_record.json": (CLOUDTRAIL, 1, STOP_LOGGING_ID, ()),
    "aws_2b_cwlogs_subscription_built_from_real_record.DECODED.json": (CLOUDTRAIL, 1, STOP_LOGGING_ID, ()),
    "aws_3_eventbridge_aws_api_call_via_cloudtrail.json": (CLOUDTRAIL, 1, STOP_LOGGING_ID, ()),
    "aws_4_ILLUSTRATIVE_github_oidc_assumerolewithwebidentity_then_ecr_putimage.json": (
        CLOUDTRAIL, 2, "00000000-0000-0000-0000-000000000001", ()),
    "gcp_1_logentry_auditlog.json": (GCP_LOGENTRY, 1, GCP_SET_IAM_ID, ()),
    "gcp_2_pubsub_cloudevent_gen2.json": (GCP_LOGENTRY, 1, GCP_SET_IAM_ID, ()),
    "gcp_2b_pubsub_background_event_gen1.json": (GCP_LOGENTRY, 1, GCP_SET_IAM_ID, ()),
    # google-cloudevents' Pub/Sub example publishes the text "test message 3", not a LogEntry
    "gcp_2c_pubsub_cloudevent.google-cloudevents_example.json": ("", 0, "", ("bad_pubsub_payload",)),
    "gcp_3_gcs_sink__cloudaudit.googleapis.com__activity__2021__10__19__02-00-00_02-59-59_S0.json": (
        GCP_LOGENTRY, 5, "iv9wx9d16l2", ()),
    "gcp_4_eventarc_direct_auditlog_LogEntryData.google-cloudevents.json": (GCP_LOGENTRY, 1, "9frck8cf9j", ()),
}
#: Files that name an S3 object: decoded against moto's server in test_s3.py.
NEEDS_S3 = {"aws_1b_s3_objectcreated_notification_to_lambda.json"}


def test_every_format_sample_has_an_expectation() -> None:
    assert {p.name for p in FORMATS.iterdir()} == set(EXPECTED) | NEEDS_S3


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_format_sample_decodes_to_its_records(name: str) -> None:
    kind, count, first_id, reasons = EXPECTED[name]
    items = decode(FORMATS / name)
    recs = records(items)
    assert len(recs) == count
    assert all(r.kind == kind for r in recs)
    if recs:
        assert record_id(recs[0]) == first_id
    assert sorted(r.reason for r in rejected(items)) == sorted(reasons)
    assert all(r.detail for r in rejected(items))
    assert not skipped(items)


def test_gzip_is_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    nameless = tmp_path / "cloudtrail-object"  # what an S3 download or a pipe gives you
    shutil.copy(FORMATS / "aws_1_cloudtrail_s3_object.json.gz", nameless)
    recs = records(decode(nameless))
    assert [record_id(r) for r in recs] == [STOP_LOGGING_ID]
    plain_named_gz = tmp_path / "plain.json.gz"  # and a .gz name on plain JSON is no problem either
    shutil.copy(FORMATS / "aws_1_cloudtrail_s3_object.json", plain_named_gz)
    assert [record_id(r) for r in records(decode(plain_named_gz))] == [STOP_LOGGING_ID]


def test_gzipped_ndjson_and_multi_member_gzip(tmp_path: Path) -> None:
    sink = (FORMATS / "gcp_3_gcs_sink__cloudaudit.googleapis.com__activity__2021__10__19__02-00-00_02-59-59_S0.json")
    lines = sink.read_bytes().splitlines(keepends=True)
    p = tmp_path / "sink-hour.json.gz"
    # two gzip members back to back, as `cat a.gz b.gz` or an appending writer produces
    p.write_bytes(gzip.compress(b"".join(lines[:2])) + gzip.compress(b"".join(lines[2:])))
    recs = records(decode(p))
    assert [record_id(r) for r in recs] == [orjson.loads(ln)["insertId"] for ln in lines]
    assert recs[0].origin == f"{p}:1" and recs[4].origin == f"{p}:5"


class _LazyNdjson(io.RawIOBase):
    """An NDJSON stream produced on demand, counting what the reader has pulled from it."""

    def __init__(self, record: dict[str, object], n: int) -> None:
        self._record, self._n, self._i = record, n, 0
        self._buf = b""
        self.pulled = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while len(self._buf) < len(b) and self._i < self._n:
            self._buf += orjson.dumps({**self._record, "insertId": f"id-{self._i}"}) + b"\n"
            self._i += 1
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        self.pulled += n
        return n


def test_ndjson_is_streamed_not_read_whole() -> None:
    entry = orjson.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_bytes())
    n = 10_000  # about 17 MB if it were materialised
    src = _LazyNdjson(entry, n)
    it = read_items(cast(IO[bytes], src), "lazy", Limits())
    first = next(it)
    assert isinstance(first, RawRecord) and first.data["insertId"] == "id-0"
    assert src.pulled < 4 * 1024 * 1024  # a few read buffers, not the input
    rest = records(it)
    assert len(rest) == n - 1
    assert rest[-1].data["insertId"] == f"id-{n - 1}"


def test_lookup_events_output_plaso_jsonl_and_page() -> None:
    plaso = records(decode(AUDIT / "aws" / "plaso" / "aws_cloudtrail.jsonl"))
    assert len(plaso) == 6
    assert record_id(plaso[0]) == "0828c0d2-3589-4390-b954-c78b4a7df44b"
    # the record is the CloudTrail event inside the CloudTrailEvent string, not the lookup item
    assert plaso[0].data["eventVersion"] == "1.08" and "CloudTrailEvent" not in plaso[0].data
    page = decode(LOCAL / "lookup_events_page.constructed.json")
    assert [record_id(r) for r in records(page)] == [record_id(r) for r in plaso[:3]]
    assert not rejected(page)
    assert records(page)[1].origin.endswith("#Events[1]#CloudTrailEvent")


def test_eventbridge_envelopes() -> None:
    api_call = records(decode(FORMATS / "aws_3_eventbridge_aws_api_call_via_cloudtrail.json"))
    assert api_call[0].kind == CLOUDTRAIL and api_call[0].data["eventName"] == "StopLogging"
    health = records(decode(AUDIT / "aws" / "custodian" / "cwe" / "event-phd-ec2-retire.json"))
    assert [r.kind for r in health] == [EVENTBRIDGE]
    assert health[0].data["source"] == "aws.health"


def test_cloudwatch_logs_subscription_encoded_decoded_and_control_message() -> None:
    encoded = records(decode(FORMATS / "aws_2b_cwlogs_subscription_built_from_real_record.json"))
    decoded = records(decode(FORMATS / "aws_2b_cwlogs_subscription_built_from_real_record.DECODED.json"))
    assert [r.data for r in encoded] == [r.data for r in decoded]
    assert encoded[0].origin.endswith("#awslogs#logEvents[0]")
    control = decode(LOCAL / "cwl_subscription_control_message.constructed.json")
    assert [(s.reason) for s in skipped(control)] == ["cwl_control_message"]
    assert not records(control) and not rejected(control)


def test_sqs_message_wrapping_an_eventbridge_event() -> None:
    items = decode(LOCAL / "sqs_lambda_event_eventbridge.constructed.json")
    assert [record_id(r) for r in records(items)] == [STOP_LOGGING_ID]
    assert "#sqs:c80e8021-a70a-42c7-a470-796e1186f753" in records(items)[0].origin


def test_sqs_receive_message_output_and_sns_handshakes() -> None:
    eb = (FORMATS / "aws_3_eventbridge_aws_api_call_via_cloudtrail.json").read_text()
    cli_output = {"Messages": [{"MessageId": "m-1", "ReceiptHandle": "r", "MD5OfBody": "x", "Body": eb}]}
    assert [record_id(r) for r in records(decode_doc(cli_output))] == [STOP_LOGGING_ID]
    confirm = {"Type": "SubscriptionConfirmation", "MessageId": "1", "Token": "t",
               "TopicArn": "arn:aws:sns:us-east-1:111122223333:t", "Message": "You have chosen to subscribe",
               "SubscribeURL": "https://sns.example/confirm", "Timestamp": "2024-07-31T13:10:01.123Z"}
    assert [s.reason for s in skipped(decode_doc(confirm))] == ["sns_subscription_message"]
    s3_test = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2024-07-31T13:10:01.123Z",
               "Bucket": "my-cloudtrail-bucket", "RequestId": "R", "HostId": "H"}
    assert [s.reason for s in skipped(decode_doc(s3_test))] == ["s3_test_event"]


def test_cloudtrail_digest_file_is_skipped_on_purpose(tmp_path: Path) -> None:
    digest: dict[str, Any] = {
        "awsAccountId": "143434273843", "digestStartTime": "2024-07-31T12:00:00Z",
        "digestEndTime": "2024-07-31T13:00:00Z", "digestS3Bucket": "my-cloudtrail-bucket",
        "digestS3Object": "AWSLogs/143434273843/CloudTrail-Digest/us-east-1/2024/07/31/"
                          "143434273843_CloudTrail-Digest_us-east-1_trail_us-east-1_20240731T130000Z.json.gz",
        "digestPublicKeyFingerprint": "0123456789abcdef0123456789abcdef", "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": "2024-07-31T12:59:59Z", "oldestEventTime": "2024-07-31T12:00:01Z",
        "previousDigestS3Bucket": None, "previousDigestS3Object": None, "previousDigestHashValue": None,
        "previousDigestHashAlgorithm": None, "previousDigestSignature": None, "logFiles": [],
    }
    p = tmp_path / "renamed-digest.json"  # recognised by content, whatever the file is called
    p.write_bytes(orjson.dumps(digest))
    assert [(s.reason, s.origin) for s in skipped(decode(p))] == [("cloudtrail_digest", str(p))]
    named = tmp_path / "143434273843_CloudTrail-Digest_us-east-1_trail_us-east-1_20240731T130000Z.json.gz"
    named.write_bytes(b"not even read")  # and by name, without opening it
    assert [s.reason for s in skipped(decode(named))] == ["cloudtrail_digest"]


def _logentry() -> dict[str, object]:
    return dict(orjson.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_bytes()))


def test_gcp_logentry_json_array_and_entries_list() -> None:
    sink = FORMATS / "gcp_3_gcs_sink__cloudaudit.googleapis.com__activity__2021__10__19__02-00-00_02-59-59_S0.json"
    entries = [orjson.loads(ln) for ln in sink.read_bytes().splitlines()]
    ids = [e["insertId"] for e in entries]
    as_array = decode_bytes(orjson.dumps(entries, option=orjson.OPT_INDENT_2))  # `gcloud logging read --format=json`
    assert [record_id(r) for r in records(as_array)] == ids
    api_page = decode_doc({"entries": entries, "nextPageToken": "abc"})  # logging API entries.list
    assert [record_id(r) for r in records(api_page)] == ids


def test_pubsub_push_envelope() -> None:
    data = base64.b64encode(orjson.dumps(_logentry())).decode()
    push = {"message": {"attributes": {"logging.googleapis.com/timestamp": "2022-05-02T21:52:50.425669508Z"},
                        "data": data, "messageId": "3103425958877813", "message_id": "3103425958877813",
                        "publishTime": "2022-05-02T21:52:52.123Z", "publish_time": "2022-05-02T21:52:52.123Z"},
            "subscription": "projects/my-project/subscriptions/audit-push"}
    recs = records(decode_doc(push))
    assert [(r.kind, record_id(r)) for r in recs] == [(GCP_LOGENTRY, GCP_SET_IAM_ID)]
    assert recs[0].origin == "doc#message.data"


def test_cloudevents_gen2_gen1_and_eventarc_shapes() -> None:
    gen2 = records(decode(FORMATS / "gcp_2_pubsub_cloudevent_gen2.json"))
    gen1 = records(decode(FORMATS / "gcp_2b_pubsub_background_event_gen1.json"))
    assert [r.data for r in gen2] == [r.data for r in gen1] == [_logentry()]
    bare_gen1 = orjson.loads((FORMATS / "gcp_2b_pubsub_background_event_gen1.json").read_bytes())["event"]
    assert [record_id(r) for r in records(decode_doc(bare_gen1))] == [GCP_SET_IAM_ID]
    eventarc = AUDIT / "gcp" / "cloudevents" / "testdata" / "google" / "events" / "cloud" / "audit" / "v1"
    for f in sorted(eventarc.glob("LogEntryData-*.json")):
        recs = records(decode(f))
        assert len(recs) == 1 and recs[0].kind == GCP_LOGENTRY, f.name
    structured = AUDIT / "gcp" / "cloudevents" / "examples" / "structured" / "audit"
    ce = orjson.loads((structured / "LogEntryData-bigqueryjobcompleted.json").read_bytes())
    recs = records(decode_doc(ce))
    assert len(recs) == 1 and recs[0].data == ce["data"]
