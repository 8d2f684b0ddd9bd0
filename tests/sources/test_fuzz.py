"""Property: whatever bytes or JSON arrive, decoding yields only RawRecord / Rejected / Skipped."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.reader import read_items
from scanner.sources.records import Item, Rejected
from tests.conftest import AUDIT
from tests.sources.decoding import ITEM_TYPES
from tests.sources.mutations import FUZZ, REAL_DOCS, json_values, real_mutated

#: Small limits, so caps and depth limits are reached by small examples too.
LIMITS = Limits(max_decompressed_bytes=200_000, max_line_bytes=4_000, max_envelope_depth=4)
SAMPLE_FILES = [p.read_bytes() for p in sorted((AUDIT / "formats").iterdir())]


def _offline_s3(bucket: str, key: str, origin: str) -> Iterator[Item]:
    yield Rejected(f"s3://{bucket}/{key}", "read_error", "no S3 in this test")


def _check(items: list[Any]) -> None:
    assert all(isinstance(i, ITEM_TYPES) for i in items), items
    assert all(i.reason for i in items if not isinstance(i, ITEM_TYPES[0]))


def _read(data: bytes) -> list[Any]:
    return list(read_items(io.BytesIO(data), "fuzz", LIMITS, _offline_s3))


@FUZZ
@given(json_values)
def test_random_json_documents_unwrap_to_items(doc: Any) -> None:
    _check(list(unwrap(doc, "fuzz", LIMITS, _offline_s3)))


@FUZZ
@given(real_mutated)
def test_mutated_real_envelopes_unwrap_to_items(doc: Any) -> None:
    _check(list(unwrap(doc, "fuzz", Limits(), _offline_s3)))
    _check(list(unwrap(doc, "fuzz", LIMITS, None)))


@FUZZ
@given(st.binary(max_size=2_000))
def test_random_bytes_read_to_items(data: bytes) -> None:
    _check(_read(data))
    _check(_read(gzip.compress(data)))


@FUZZ
@given(st.sampled_from(SAMPLE_FILES), st.data())
def test_damaged_real_files_read_to_items(sample: bytes, data: st.DataObject) -> None:
    raw = gzip.compress(sample) if data.draw(st.booleans()) else sample
    cut = data.draw(st.integers(0, len(raw)))
    flips = data.draw(st.lists(st.tuples(st.integers(0, max(0, len(raw) - 1)), st.integers(0, 255)), max_size=4))
    damaged = bytearray(raw[:cut] if data.draw(st.booleans()) else raw)
    for pos, byte in flips:
        if pos < len(damaged):
            damaged[pos] = byte
    _check(_read(bytes(damaged)))


@FUZZ
@given(st.lists(st.one_of(json_values, st.sampled_from(REAL_DOCS)), min_size=1, max_size=5), st.booleans())
def test_random_ndjson_and_documents_read_to_items(docs: list[Any], pretty: bool) -> None:
    opt = orjson.OPT_INDENT_2 if pretty else 0
    lines = []
    for d in docs:
        try:
            lines.append(orjson.dumps(d, option=opt))
        except orjson.JSONEncodeError:  # integers beyond 64 bits: write them as text, as a bad producer might
            lines.append(str(d).encode())
    _check(_read(b"\n".join(lines)))
