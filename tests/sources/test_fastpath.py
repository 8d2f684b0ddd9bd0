"""Selective decoding agrees with the full decoder: same records, same rejections, same skips.

The fast path reads a few fields with msgspec and parses a record whole only when a detector wants
it. Any record it cannot vouch for goes the full way; these tests hold it to that on every sample,
on a generated workload, and on inputs crafted to make the two decoders disagree.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from scanner.normalize import NormalizeError
from scanner.normalize.gcp import POLICY_DENIED
from scanner.normalize.keys import QuickKey, quick_key
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.reader import read_items
from scanner.sources.records import UNWANTED, Item, RawRecord
from tests.normalize.corpus import FORMATS, corpus_files, policy_denied_entries

FULL = Limits(selective_decoding=False)
FAST = Limits(selective_decoding=True)
TRAIL = orjson.loads((FORMATS / "aws_1_cloudtrail_s3_object.json").read_bytes())["Records"][0]
ENTRY = orjson.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_bytes())


def _everything(key: QuickKey) -> bool:
    return True


def _iam_only(key: QuickKey) -> bool:
    return key[1] in ("iam.amazonaws.com", "iam.googleapis.com")


def _policy_only(key: QuickKey) -> bool:
    return key[2] == POLICY_DENIED


def _storage_reads(key: QuickKey) -> bool:
    return key[2] == "google.storage.objects.get"


def _wanted_by_full_path(rec: RawRecord, want: Callable[[QuickKey], bool]) -> bool:
    try:
        return want(quick_key(rec))
    except NormalizeError:  # the scan dead-letters it: the fast path must hand it over whole
        return True


def _same(full: list[Item], fast: list[Item], want: Callable[[QuickKey], bool]) -> None:
    """fast == full, except that a record nobody wants may come as UNWANTED (never one somebody wants;
    the fast path may also hand over an unwanted record whole, and the scan's own check drops it)."""
    assert len(fast) == len(full)
    for a, b in zip(full, fast, strict=True):
        if b is UNWANTED:
            assert isinstance(a, RawRecord) and not _wanted_by_full_path(a, want), a
        else:
            assert a == b


def _both(data: bytes, want: Callable[[QuickKey], bool]) -> tuple[list[Item], list[Item]]:
    full = list(read_items(io.BytesIO(data), "mem", FULL))
    fast = list(read_items(io.BytesIO(data), "mem", FAST, want=want))
    return full, fast


@pytest.mark.parametrize("want", [_everything, _iam_only], ids=["want-all", "want-iam"])
def test_every_sample_decodes_the_same_both_ways(want: Callable[[QuickKey], bool]) -> None:
    full_reader, fast_reader = InputReader(FULL), InputReader(FAST)
    for p in corpus_files():
        _same(list(full_reader.items(str(p))), list(fast_reader.items(str(p), want)), want)


def test_a_generated_workload_decodes_the_same_and_mostly_skips(tmp_path: Path) -> None:
    recs = [{**TRAIL, "eventID": f"e-{i}", "eventName": ("CreateUser" if i % 10 == 0 else "DescribeInstances"),
             "eventSource": ("iam.amazonaws.com" if i % 10 == 0 else "ec2.amazonaws.com")} for i in range(500)]
    trail = gzip.compress(orjson.dumps({"Records": recs}))
    lines = gzip.compress(b"".join(orjson.dumps({**ENTRY, "insertId": f"i-{i}"}) + b"\n" for i in range(300)))
    for data in (trail, lines):
        full, fast = _both(data, _iam_only)
        _same(full, fast, _iam_only)
    full, fast = _both(trail, _iam_only)
    assert sum(1 for i in fast if i is UNWANTED) == 450


def _trail_doc(*records: Any) -> bytes:
    return orjson.dumps({"Records": list(records)})


@pytest.mark.parametrize(
    "data",
    [
        # duplicate keys: both decoders keep the last; an attacker must not route by the first
        _trail_doc(TRAIL).replace(b'"eventSource":', b'"eventSource":"iam.amazonaws.com","eventSource":', 1),
        # invalid UTF-8 in a field nobody reads: the full path refuses the document, so must the fast one
        _trail_doc(TRAIL, {**TRAIL, "userAgent": "x"}).replace(b'"userAgent":"x"', b'"userAgent":"\xff"'),
        # wrong types where the quick key reads: dead-lettered by the full path
        _trail_doc({**TRAIL, "userIdentity": ["AssumedRole"]}),
        _trail_doc({**TRAIL, "userIdentity": {"type": {"x": 1}}}),
        _trail_doc({**TRAIL, "eventName": 7}),
        # not a bare record: an EventBridge-shaped item and an S3 notification inside Records
        _trail_doc({**TRAIL, "detail-type": "AWS API Call via CloudTrail"}),
        _trail_doc({"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventVersion": "2.1"}),
        # deep nesting inside a skipped field
        _trail_doc({**TRAIL, "requestParameters": {"n": 1}}).replace(b'"n":1', b'"n":' + b"[" * 3000 + b"]" * 3000),
        # a container with more than Records
        orjson.dumps({"Records": [TRAIL], "Other": 1}),
        # NDJSON lines: wrong-typed authenticationInfo, metadata not an object, a non-audit entry
        b"\n".join([orjson.dumps({**ENTRY, "protoPayload": {**ENTRY["protoPayload"], "authenticationInfo": "x"}}),
                    orjson.dumps({**ENTRY, "protoPayload": {**ENTRY["protoPayload"], "metadata": [1]}}),
                    orjson.dumps({**ENTRY, "protoPayload": {}}),
                    orjson.dumps({"insertId": "z", "logName": "projects/p/logs/x", "jsonPayload": {}})]),
    ],
    ids=["duplicate-key", "bad-utf8", "ui-list", "ui-type-object", "name-number", "detail-type", "s3-notice",
         "deep", "extra-key", "ndjson-odd"],
)
def test_crafted_inputs_decode_the_same_both_ways(data: bytes) -> None:
    for want in (_everything, _iam_only):
        full, fast = _both(data, want)
        _same(full, fast, want)


@pytest.mark.parametrize("want", [_everything, _policy_only, _storage_reads], ids=["all", "policy", "reads"])
def test_policy_denied_entries_route_the_same_both_ways(want: Callable[[QuickKey], bool]) -> None:
    # A rule about denials wants the policy log, one about reads the reads: the fast path must read the
    # log name exactly as the full path does, however it is spelled, or it drops what the rule wants.
    entries = policy_denied_entries()
    # the reader judges an input's shape by its first line, whole; the fast path reads the lines after it
    data = b"\n".join(orjson.dumps(e) for e in (ENTRY, *entries.values()))
    full, fast = _both(data, want)
    _same(full, fast, want)
    wanted = [name for name, item in zip(entries, fast[1:], strict=True) if item is not UNWANTED]
    if want is _policy_only:
        assert wanted == [n for n in entries if n != "activity-denied"]
    if want is _storage_reads:
        assert wanted == ["activity-denied"]
    odd = [{**entries["sample"], "logName": ["x"]}, {**entries["sample"], "logName": 7}]
    full, fast = _both(b"\n".join(orjson.dumps(e) for e in (ENTRY, *odd)), want)
    _same(full, fast, want)


def test_a_number_out_of_range_in_a_skipped_field_costs_no_other_record() -> None:
    # The one place the two paths differ, on purpose: orjson refuses a whole document for a number
    # beyond double range anywhere in it; msgspec skips what no detector reads without checking it.
    # The fast path keeps the document's other records instead of dead-lettering all of them; a
    # record somebody wants is still parsed whole by orjson, and one it refuses is judged by the full
    # path, which rejects the document as before.
    data = _trail_doc(TRAIL, {**TRAIL, "requestParameters": {"n": 1}}).replace(b'"n":1', b'"n":1e400')
    full, fast = _both(data, _iam_only)
    assert [i.reason for i in full] == ["not_json"]  # type: ignore[union-attr]
    assert fast == [UNWANTED, UNWANTED]
    full, fast = _both(data, _everything)
    assert fast == full


def test_the_switch_turns_the_fast_path_off() -> None:
    data = _trail_doc(TRAIL, TRAIL)
    off = list(read_items(io.BytesIO(data), "mem", FULL, want=lambda k: False))
    assert all(isinstance(i, RawRecord) for i in off) and len(off) == 2
    on = list(read_items(io.BytesIO(data), "mem", FAST, want=lambda k: False))
    assert on == [UNWANTED, UNWANTED]


def test_scan_findings_are_the_same_both_ways(tmp_path: Path) -> None:
    from scanner.config import Config
    from scanner.runner import run_scan

    def findings(limits: Limits) -> tuple[list[dict[str, Any]], int, int]:
        out = run_scan([str(p) for p in corpus_files()], Config(limits=limits))
        return [f.to_dict() for f in out.findings], out.stats.records, out.stats.events

    assert findings(FAST) == findings(FULL)
