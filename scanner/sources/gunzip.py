"""Streaming gunzip with ISA-L (about 1.4x the standard library), the standard library where it is missing.

`gzip.GzipFile` from ISA-L's own module decodes large blocks at a time and, when a file is cut short,
raises before handing over what it had decoded; the standard library's read1 returns every byte before
the cut, and the reader keeps the complete records of a truncated object. This stream keeps that
property: it feeds ISA-L's inflater itself, returns output as it comes, and raises EOFError only when
nothing decoded is left. Members are concatenated and zero padding between them is skipped, as the
standard library does; anything else after a member is not gzip.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable
from typing import IO, Any

_CHUNK = 1 << 17
_GZIP_WBITS = 16 + zlib.MAX_WBITS


def _isal() -> tuple[Callable[[int], Any], type[Exception]] | None:
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - no wheel for this platform
        return None
    error: type[Exception] = isal_zlib.error  # type: ignore[assignment]  # the stub calls it an instance
    return isal_zlib.decompressobj, error


class _Inflate(io.RawIOBase):
    def __init__(self, raw: IO[bytes], new: Callable[[int], Any]) -> None:
        self._read = getattr(raw, "read1", raw.read)
        self._new = new
        self._d: Any = None  # the current member's inflater
        self._pending = b""  # compressed bytes read but not yet given to an inflater

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while True:
            if (self._d is None or self._d.eof) and not self._next_member():
                return 0
            src = self._d.unconsumed_tail or self._pending or self._read(_CHUNK)
            self._pending = b""
            if not src:
                raise EOFError("Compressed file ended before the end-of-stream marker was reached")
            out = self._d.decompress(src, len(b))
            if out:
                n = len(out)
                b[:n] = out
                return n

    def _next_member(self) -> bool:
        rest = (self._d.unused_data if self._d is not None else b"") + self._pending
        self._pending = b""
        while True:
            rest = rest.lstrip(b"\0")
            if len(rest) >= 2:
                break
            more = self._read(_CHUNK)
            if not more:
                if rest:
                    raise gzip.BadGzipFile("Not a gzipped file: trailing bytes after the last member")
                return False
            rest += more
        if rest[:2] != b"\x1f\x8b":
            raise gzip.BadGzipFile(f"Not a gzipped file ({rest[:2]!r})")
        self._d = self._new(_GZIP_WBITS)
        self._pending = rest
        return True


def gunzip_stream(raw: IO[bytes]) -> IO[bytes]:
    """A readable stream of the decompressed bytes (read1 returns what is decoded so far)."""
    impl = _isal()
    if impl is None:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return io.BufferedReader(_Inflate(raw, impl[0]), _CHUNK)


def inflate_errors() -> tuple[type[Exception], ...]:
    """What a damaged deflate stream raises, whichever implementation reads it."""
    impl = _isal()
    return (zlib.error,) if impl is None else (zlib.error, impl[1])
