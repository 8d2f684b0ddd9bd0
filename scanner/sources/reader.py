"""Turn a byte stream (plain or gzip) into items: whole JSON documents or NDJSON, streamed.

NDJSON (GCS sink hourly files, `gcloud logging read --format=json` lines, plaso exports) is read one
line at a time so memory does not grow with file size. A whole document is bounded by
`Limits.max_decompressed_bytes`; anything beyond is rejected, not half-read.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import IO

import orjson

from scanner.sources.envelopes import ObjectReader, unwrap
from scanner.sources.limits import Limits
from scanner.sources.records import Item, Rejected, sample_of

_CHUNK = 1 << 20


class InputTooLarge(Exception):
    pass


class _CappedReader(io.RawIOBase):
    """Counts decompressed bytes and refuses to go past the cap (gzip-bomb guard)."""

    def __init__(self, inner: IO[bytes], cap: int) -> None:
        self._inner = inner
        self._cap = cap
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(b))
        self.count += len(data)
        if self.count > self._cap:
            raise InputTooLarge(f"more than {self._cap} decompressed bytes")
        n = len(data)
        b[:n] = data
        return n


class _ReadAdapter(io.RawIOBase):
    """Anything with read(n) (botocore StreamingBody, sys.stdin.buffer) as a raw stream."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(b))
        n = len(data)
        b[:n] = data
        return n


def open_stream(raw: IO[bytes], cap: int) -> IO[bytes]:
    """Wrap a binary stream: transparent gunzip (sniffed by magic bytes, not by name) plus the cap."""
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(_ReadAdapter(raw), _CHUNK)
    head = buffered.peek(2)[:2]
    inner: IO[bytes] = (
        gzip.GzipFile(fileobj=buffered, mode="rb") if head == b"\x1f\x8b" else buffered  # type: ignore[assignment]
    )
    return io.BufferedReader(_CappedReader(inner, cap), _CHUNK)


def read_items(
    raw: IO[bytes],
    origin: str,
    limits: Limits,
    read_object: ObjectReader | None = None,
) -> Iterator[Item]:
    """Decode one input object. Never raises on bad input: yields Rejected instead."""
    try:
        stream = open_stream(raw, limits.max_decompressed_bytes)
        yield from _read_stream(stream, origin, limits, read_object)
    except InputTooLarge as e:
        yield Rejected(origin, "too_large", str(e))
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        yield Rejected(origin, "truncated_gzip" if isinstance(e, EOFError) else "bad_gzip", str(e))
    except OSError as e:
        yield Rejected(origin, "read_error", str(e))


def _read_stream(
    stream: IO[bytes], origin: str, limits: Limits, read_object: ObjectReader | None
) -> Iterator[Item]:
    first = stream.readline(limits.max_line_bytes + 1)
    while first and not first.strip():
        first = stream.readline(limits.max_line_bytes + 1)
    if not first:
        yield Rejected(origin, "empty", "no content")
        return
    try:
        doc = orjson.loads(first)
        first_ok = True
    except orjson.JSONDecodeError:
        first_ok = False
    if first_ok:
        rest = stream.readline(limits.max_line_bytes + 1)
        while rest and not rest.strip():
            rest = stream.readline(limits.max_line_bytes + 1)
        if not rest:  # a single one-line document
            yield from unwrap(doc, origin, limits, read_object)
            return
        # NDJSON: stream line by line.
        yield from unwrap(doc, f"{origin}:1", limits, read_object)
        yield from _ndjson(rest, stream, origin, limits, read_object)
        return
    # A multi-line (pretty-printed) document: read it whole, within the cap.
    body = first + stream.read()
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        yield Rejected(origin, "not_json", str(e), sample_of(body[:300]))
        return
    yield from unwrap(doc, origin, limits, read_object)


def _ndjson(
    second: bytes, stream: IO[bytes], origin: str, limits: Limits, read_object: ObjectReader | None
) -> Iterator[Item]:
    lineno = 1
    line = second
    while line:
        lineno += 1
        if line.strip():
            where = f"{origin}:{lineno}"
            if len(line) > limits.max_line_bytes:
                yield Rejected(where, "line_too_long", f"line exceeds {limits.max_line_bytes} bytes")
                # skip the remainder of an over-long line
                while line and not line.endswith(b"\n"):
                    line = stream.readline(_CHUNK)
            else:
                try:
                    doc = orjson.loads(line)
                except orjson.JSONDecodeError as e:
                    yield Rejected(where, "not_json", str(e), sample_of(line))
                else:
                    yield from unwrap(doc, where, limits, read_object)
        line = stream.readline(limits.max_line_bytes + 1)
