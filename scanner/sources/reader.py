"""Turn a byte stream (plain or gzip) into items: whole JSON documents or NDJSON, streamed.

NDJSON (GCS sink hourly files, `gcloud logging read --format=json` lines, plaso exports) is read one
line at a time so memory does not grow with file size. A whole document is bounded by
`Limits.max_decompressed_bytes`; anything beyond is rejected, not half-read.
"""

from __future__ import annotations

import gzip
import io
import itertools
from collections.abc import Iterator
from typing import IO, Any

import orjson

from scanner.sources.envelopes import ObjectReader, json_error_reason, unwrap
from scanner.sources.fastpath import WantKey, logentry_line, trail_object
from scanner.sources.gunzip import gunzip_stream, inflate_errors
from scanner.sources.limits import Limits
from scanner.sources.records import Item, Rejected, sample_of

_CHUNK = 1 << 20
_GZIP_ERRORS: tuple[type[Exception], ...] = (EOFError, gzip.BadGzipFile, *inflate_errors())



class InputTooLarge(Exception):
    pass


class _CappedReader(io.RawIOBase):
    """Counts decompressed bytes and refuses to go past the cap (gzip-bomb guard)."""

    def __init__(self, inner: IO[bytes], cap: int) -> None:
        # read1: what one underlying read yields. read(n) loops until it has n bytes and, when a
        # gzip stream is cut short, drops everything it had decompressed before the EOFError, so
        # the records just before the cut would be lost with it.
        self._read = getattr(inner, "read1", inner.read)
        self._cap = cap
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._read(len(b))
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
        gunzip_stream(buffered) if head == b"\x1f\x8b" else buffered
    )
    return io.BufferedReader(_CappedReader(inner, cap), _CHUNK)


def read_items(
    raw: IO[bytes],
    origin: str,
    limits: Limits,
    read_object: ObjectReader | None = None,
    want: WantKey | None = None,
) -> Iterator[Item]:
    """Decode one input object. Never raises on bad input: yields Rejected instead.

    With `want` (a predicate on the quick key) plain records no detector wants may be yielded as
    UNWANTED without being parsed whole (selective decoding, see fastpath.py).
    """
    if not limits.selective_decoding:
        want = None
    try:
        stream = open_stream(raw, limits.max_decompressed_bytes)
        yield from _read_stream(stream, origin, limits, read_object, want)
    except InputTooLarge as e:
        yield Rejected(origin, "too_large", str(e))
    except _GZIP_ERRORS as e:
        yield Rejected(origin, "truncated_gzip" if isinstance(e, EOFError) else "bad_gzip", str(e))
    except OSError as e:
        yield Rejected(origin, "read_error", str(e))


def _read_stream(
    stream: IO[bytes], origin: str, limits: Limits, read_object: ObjectReader | None, want: WantKey | None
) -> Iterator[Item]:
    cap = limits.max_line_bytes
    lines = _Lines(stream, cap)
    first = lines.next_nonblank()
    if not first:
        yield Rejected(origin, "empty", "no content")
        return
    first_no = lines.number
    if _too_long(first, cap):
        # Longer than an NDJSON record may be: possibly a whole one-line document (CloudTrail writes
        # its S3 objects on one line), which only max_decompressed_bytes bounds. Read the rest of it.
        first += stream.readline()
    rest = lines.next_nonblank()
    if not rest and want is not None and b'"Records"' in first[:64]:
        fast = trail_object(first, origin, want)
        if fast is not None:  # a CloudTrail object of plain records: the common case
            yield from fast
            return
    doc, err = _loads(first)
    if not rest:  # a single one-line document
        if err is None:
            yield from unwrap(doc, origin, limits, read_object)
        else:
            yield Rejected(origin, json_error_reason(err), str(err), sample_of(first[:300]))
        return
    if err is None:  # NDJSON: stream line by line
        if len(first) > cap + 1:
            yield _line_too_long(f"{origin}:{first_no}", cap)
        else:
            yield from unwrap(doc, f"{origin}:{first_no}", limits, read_object)
        yield from _ndjson(rest, lines, origin, limits, read_object, want)
        return
    # The first line is not JSON on its own: a pretty-printed document (read whole, within the cap),
    # or NDJSON whose first line is damaged.
    body = first + rest + stream.read()
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        yield from _salvage_lines(body, origin, limits, read_object, e)
        return
    yield from unwrap(doc, origin, limits, read_object)


class _Lines:
    """readline() with a length cap and a line counter."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        self._stream = stream
        self._cap = cap
        self.number = 0

    def next_nonblank(self) -> bytes:
        while True:
            line = self._stream.readline(self._cap + 1)
            if not line:
                return b""
            self.number += 1
            if line.strip():
                return line
            if _too_long(line, self._cap):  # a run of blanks longer than a line: consume it whole
                self.skip_rest(line)

    def skip_rest(self, line: bytes) -> None:
        while line and not line.endswith(b"\n"):
            line = self._stream.readline(_CHUNK)


def _too_long(line: bytes, cap: int) -> bool:
    # readline(cap + 1) returned cap + 1 bytes without reaching the newline: the content exceeds cap.
    return len(line) > cap and not line.endswith(b"\n")


def _line_too_long(where: str, cap: int) -> Rejected:
    return Rejected(where, "line_too_long", f"line exceeds max_line_bytes ({cap} bytes)")


def _loads(data: bytes) -> tuple[Any, orjson.JSONDecodeError | None]:
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as e:
        return None, e


def _ndjson(
    second: bytes, lines: _Lines, origin: str, limits: Limits, read_object: ObjectReader | None,
    want: WantKey | None,
) -> Iterator[Item]:
    line = second
    while line:
        where = f"{origin}:{lines.number}"
        if _too_long(line, limits.max_line_bytes):
            yield _line_too_long(where, limits.max_line_bytes)
            lines.skip_rest(line)
        elif want is not None and (fast := logentry_line(line, where, want)) is not None:
            yield fast
        else:
            doc, err = _loads(line)
            if err is None:
                yield from unwrap(doc, where, limits, read_object)
            else:
                yield Rejected(where, json_error_reason(err), str(err), sample_of(line))
        line = lines.next_nonblank()


#: How many lines decide whether an unparseable document is NDJSON with damaged lines.
_SALVAGE_PROBE = 1000


def _salvage_lines(
    body: bytes, origin: str, limits: Limits, read_object: ObjectReader | None, err: orjson.JSONDecodeError
) -> Iterator[Item]:
    """A document that does not parse whole: if most of its lines are JSON on their own it is NDJSON
    with a few damaged lines, and the good lines are kept; otherwise it is rejected as one."""
    probe = [ln for ln in itertools.islice(body.splitlines(), _SALVAGE_PROBE * 2) if ln.strip()][:_SALVAGE_PROBE]
    good = sum(1 for ln in probe if _loads(ln)[1] is None)
    if len(probe) < 2 or good * 2 < len(probe):
        yield Rejected(origin, json_error_reason(err), str(err), sample_of(body[:300]))
        return
    for no, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{no}"
        if len(line) > limits.max_line_bytes:
            yield _line_too_long(where, limits.max_line_bytes)
            continue
        doc, e = _loads(line)
        if e is None:
            yield from unwrap(doc, where, limits, read_object)
        else:
            yield Rejected(where, json_error_reason(e), str(e), sample_of(line))
