"""Bad input is a Rejected with a clear reason and costs bounded time and memory; never an exception.

What decodes but has the wrong types is rejected by the normalizer: those cases go through the
pipeline's `iter_events`, the path `scan` and `normalize` use, to show the user-visible result.
"""

from __future__ import annotations

import base64
import gzip
import time
import tracemalloc
import zlib
from pathlib import Path
from typing import Any

import orjson
import pytest

from scanner.ops.stats import RunStats
from scanner.pipeline import iter_events
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.records import Rejected
from tests.conftest import AUDIT
from tests.sources.decoding import decode, decode_bytes, decode_doc, record_id, records, rejected

FORMATS = AUDIT / "formats"
SINK = FORMATS / "gcp_3_gcs_sink__cloudaudit.googleapis.com__activity__2021__10__19__02-00-00_02-59-59_S0.json"
ENTRY = orjson.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_bytes())
TRAIL = orjson.loads((FORMATS / "aws_1_cloudtrail_s3_object.json").read_bytes())["Records"][0]


def _ndjson(n: int) -> bytes:
    return b"".join(orjson.dumps({**ENTRY, "insertId": f"id-{i}"}) + b"\n" for i in range(n))


def _only_rejection(items: list[Any]) -> Rejected:
    assert len(items) == 1 and isinstance(items[0], Rejected), items
    assert items[0].detail
    return items[0]


def test_truncated_gzip_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    whole = gzip.compress(_ndjson(300))
    p = tmp_path / "cut.json.gz"
    p.write_bytes(whole[: len(whole) * 6 // 10])
    items = decode(p)
    recs = records(items)
    assert 0 < len(recs) < 300
    assert [r.data["insertId"] for r in recs] == [f"id-{i}" for i in range(len(recs))]  # intact, in order
    last = items[-1]
    assert isinstance(last, Rejected) and last.reason == "truncated_gzip" and last.origin == str(p)
    assert "end-of-stream" in last.detail or "ended" in last.detail


def test_truncated_gzip_document_is_rejected(tmp_path: Path) -> None:
    whole = (FORMATS / "aws_1_cloudtrail_s3_object.json.gz").read_bytes()
    p = tmp_path / "cut-object.json.gz"
    p.write_bytes(whole[:-20])
    assert _only_rejection(decode(p)).reason == "truncated_gzip"


def test_corrupt_gzip_is_rejected() -> None:
    data = bytearray(gzip.compress(_ndjson(5)))
    data[2] = 7  # compression method 7 is not deflate: not a gzip stream we can read
    assert _only_rejection(decode_bytes(bytes(data))).reason == "bad_gzip"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is a log line, not JSON\nand another\n", "not_json"),
        (b"\xff\xfe\x00garbage\x00", "not_json"),
        (b'{"eventName": "StopLogging", "eventSource": ', "not_json"),  # cut mid-document
        (b"", "empty"),
        (b"\n \n\t\n", "empty"),
        (b'{"hello": "world", "n": 1}', "unknown_format"),
        (b"42", "unknown_format"),
        (b'["just", "strings"]', "unknown_format"),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, reason: str) -> None:
    p = tmp_path / "input.json"
    p.write_bytes(content)
    items = decode(p)
    assert {r.reason for r in rejected(items)} == {reason}
    assert not records(items)
    assert all(r.detail for r in rejected(items))


def test_unknown_shape_names_its_keys() -> None:
    rej = _only_rejection(decode_doc({"alpha": 1, "beta": 2}))
    assert rej.reason == "unknown_format" and "alpha" in rej.sample and "beta" in rej.sample


def test_missing_file_and_directory_are_read_errors(tmp_path: Path) -> None:
    reader = InputReader(Limits())
    assert _only_rejection(list(reader.items(str(tmp_path / "nope.json")))).reason == "read_error"
    assert _only_rejection(list(reader.items(str(tmp_path)))).reason == "read_error"


def _rejected_by_pipeline(record: dict[str, Any], tmp_path: Path) -> Rejected:
    p = tmp_path / "one.json"
    p.write_bytes(orjson.dumps(record))
    dead: list[Rejected] = []
    events = list(iter_events(InputReader(Limits()), str(p), RunStats(), dead.append))
    assert events == []
    assert len(dead) == 1
    return dead[0]


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        ({**TRAIL, "eventName": 42}, "eventName"),
        ({**TRAIL, "userIdentity": "arn:aws:iam::143434273843:user/christophe"}, "userIdentity"),
        ({**ENTRY, "protoPayload": {**ENTRY["protoPayload"], "status": {"code": "denied"}}}, "status.code"),
        ({**ENTRY, "protoPayload": {**ENTRY["protoPayload"], "status": {"code": True}}}, "status.code"),
        ({**ENTRY, "protoPayload": {**ENTRY["protoPayload"], "authenticationInfo": ["x"]}}, "authenticationInfo"),
        ({**ENTRY, "timestamp": 1651528370}, "timestamp"),
    ],
    ids=["eventName-number", "userIdentity-string", "status.code-string", "status.code-bool",
         "authenticationInfo-list", "timestamp-number"],
)
def test_wrong_types_are_dead_lettered_with_the_field_named(record: dict[str, Any], needle: str,
                                                            tmp_path: Path) -> None:
    rej = _rejected_by_pipeline(record, tmp_path)
    assert rej.reason == "wrong_type"
    assert needle in rej.detail


def _bomb(decompressed: int) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"0" * (1 << 20)
    return b"".join([comp.compress(block) for _ in range(decompressed >> 20)] + [comp.flush()])


def test_gzip_bomb_stops_at_the_decompressed_cap() -> None:
    bomb = _bomb(64 << 20)  # 64 MiB of zeros in about 64 KiB
    assert len(bomb) < 200_000
    limits = Limits(max_decompressed_bytes=2 << 20)
    tracemalloc.start()
    t0 = time.perf_counter()
    items = decode_bytes(bomb, limits)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rej = _only_rejection(items)
    assert rej.reason == "too_large" and str(2 << 20) in rej.detail
    assert peak < 16 << 20 and elapsed < 10  # generous: shared CI cores; unbounded would be minutes


def test_gzip_bomb_inside_a_cloudwatch_payload_is_capped() -> None:
    data = base64.b64encode(_bomb(8 << 20)).decode()
    rej = _only_rejection(decode_doc({"awslogs": {"data": data}}, Limits(max_line_bytes=1 << 20)))
    assert rej.reason == "bad_cwl_payload" and "exceeds" in rej.detail


def test_200000_deep_array_is_rejected_quickly_and_bounded(tmp_path: Path) -> None:
    depth = 200_000
    p = tmp_path / "deep.json"
    p.write_bytes(b"[" * depth + b"]" * depth)
    tracemalloc.start()
    t0 = time.perf_counter()
    items = decode(p)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rej = _only_rejection(items)
    assert rej.reason == "too_deep" and "depth" in rej.detail
    assert elapsed < 5 and peak < 8 << 20  # generous: shared CI cores; the bound is what matters
    # the same nesting inside an envelope's embedded payload is caught the same way
    sqs = {"Records": [{"messageId": "m", "eventSource": "aws:sqs", "body": "[" * depth + "]" * depth}]}
    assert _only_rejection(decode_doc(sqs)).reason == "too_deep"


def test_nesting_orjson_accepts_but_repr_cannot_print_is_still_handled(tmp_path: Path) -> None:
    deep: Any = "x"
    for _ in range(1000):  # within orjson's 1024 levels, beyond Python's repr recursion limit
        deep = [deep]
    assert [r.reason for r in rejected(decode_doc({"message": {"data": deep}}))] == ["bad_pubsub_payload"]
    rec = {**TRAIL, "requestParameters": {"policy": deep}}
    assert [record_id(r) for r in records(decode_doc(rec))] == [TRAIL["eventID"]]


def test_over_long_ndjson_line_is_rejected_and_the_others_kept() -> None:
    limits = Limits(max_line_bytes=20_000)
    lines = _ndjson(4).splitlines(keepends=True)
    long_line = orjson.dumps({**ENTRY, "insertId": "too-long", "pad": "x" * 50_000}) + b"\n"
    items = decode_bytes(b"".join([lines[0], lines[1], long_line, lines[2], lines[3]]), limits)
    assert [r.data["insertId"] for r in records(items)] == ["id-0", "id-1", "id-2", "id-3"]
    assert [(r.reason, r.origin) for r in rejected(items)] == [("line_too_long", "mem:3")]
    # the first line too: it cannot be told from a record by its length alone, so it is not special
    items = decode_bytes(long_line + b"".join(lines), limits)
    assert [r.data["insertId"] for r in records(items)] == ["id-0", "id-1", "id-2", "id-3"]
    assert [(r.reason, r.origin) for r in rejected(items)] == [("line_too_long", "mem:1")]


def test_one_line_document_longer_than_a_line_is_still_read() -> None:
    # CloudTrail writes its S3 objects on one line; only max_decompressed_bytes bounds those
    big = {"Records": [{**TRAIL, "eventID": f"e-{i}"} for i in range(200)]}
    items = decode_bytes(orjson.dumps(big), Limits(max_line_bytes=10_000))
    assert len(records(items)) == 200 and not rejected(items)


def test_damaged_ndjson_lines_lose_only_themselves() -> None:
    lines = _ndjson(6).splitlines(keepends=True)
    damaged = b"".join([b'{"insertId": "cut-in-ha\n', *lines[:3], b"\x00\x01 binary junk\n", *lines[3:]])
    items = decode_bytes(damaged)
    assert [r.data["insertId"] for r in records(items)] == [f"id-{i}" for i in range(6)]
    assert [(r.reason, r.origin) for r in rejected(items)] == [("not_json", "mem:1"), ("not_json", "mem:5")]


def test_broken_pretty_printed_document_is_one_rejection() -> None:
    text = orjson.dumps(TRAIL, option=orjson.OPT_INDENT_2)
    rej = _only_rejection(decode_bytes(text[: len(text) // 2]))
    assert rej.reason == "not_json"


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"awslogs": {"data": "@@@ not base64 @@@"}}, "bad_cwl_payload"),
        ({"awslogs": {"data": base64.b64encode(b"plain, not gzip").decode()}}, "bad_cwl_payload"),
        ({"awslogs": "nope"}, "bad_envelope"),
        ({"messageType": "DATA_MESSAGE", "logEvents": "nope"}, "bad_envelope"),
        ({"message": {"data": 12345}}, "bad_pubsub_payload"),
        ({"message": {"data": "%%%"}}, "bad_pubsub_payload"),
        ({"Records": [{"messageId": "m", "eventSource": "aws:sqs", "body": "not json"}]}, "not_json"),
        ({"Records": [{"messageId": "m", "eventSource": "aws:sqs", "body": 7}]}, "bad_envelope"),
        ({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                       "s3": {"bucket": "not-an-object", "object": {"key": "k"}}}]}, "bad_envelope"),
        ({"detail-type": "AWS API Call via CloudTrail", "detail": "nope", "source": "aws.cloudtrail"}, "bad_envelope"),
        ({"s3Bucket": "b", "s3ObjectKey": [None]}, "bad_envelope"),
    ],
)
def test_broken_envelopes(doc: dict[str, Any], reason: str) -> None:
    assert _only_rejection(decode_doc(doc)).reason == reason


def test_envelopes_nested_beyond_the_cap_are_rejected() -> None:
    doc: Any = TRAIL
    for i in range(12):  # SQS(SNS(SQS(SNS(...)))) – nothing real nests this deep
        doc = {"Type": "Notification", "Message": orjson.dumps(doc).decode()} if i % 2 else \
            {"Records": [{"messageId": str(i), "eventSource": "aws:sqs", "body": orjson.dumps(doc).decode()}]}
    assert _only_rejection(decode_doc(doc)).reason == "envelope_too_deep"
