"""The ISA-L gunzip stream reads exactly what the standard library reads, and fails where it fails."""

from __future__ import annotations

import gzip
import io
import os
import zlib

import pytest

from scanner.sources.gunzip import gunzip_stream, inflate_errors

pytest.importorskip("isal")

ERRORS = (EOFError, gzip.BadGzipFile, *inflate_errors())


def _ours(data: bytes, chunk: int = 7919) -> tuple[bytes, str]:
    """Everything read1 yields, and how it ended ("" when cleanly)."""
    stream = gunzip_stream(io.BufferedReader(io.BytesIO(data)))  # type: ignore[arg-type]
    out = bytearray()
    try:
        while block := stream.read1(chunk):  # type: ignore[attr-defined]
            out += block
    except ERRORS as e:
        return bytes(out), "truncated" if isinstance(e, EOFError) else "bad"
    return bytes(out), ""


def _stdlib(data: bytes) -> tuple[bytes, str]:
    stream = gzip.GzipFile(fileobj=io.BytesIO(data))
    out = bytearray()
    try:
        while block := stream.read1(7919):
            out += block
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        return bytes(out), "truncated" if isinstance(e, EOFError) else "bad"
    return bytes(out), ""


TEXT = b"".join(b'{"insertId":"%d","protoPayload":{"methodName":"x"}}\n' % i for i in range(20_000))
ONE = gzip.compress(TEXT)


@pytest.mark.parametrize(
    ("data", "ending"),
    [
        (ONE, ""),
        (ONE + gzip.compress(b"second member\n"), ""),  # concatenated members are one stream
        (ONE + b"\0" * 1000, ""),  # zero padding after a member, as tape and some uploaders write
        (gzip.compress(os.urandom(300_000)), ""),  # incompressible
        (ONE + b"garbage after the member", "bad"),
        (ONE[:-8] + bytes(8), "bad"),  # CRC and size trailer wrong
        (ONE[: len(ONE) * 6 // 10], "truncated"),
        (ONE[:15], "truncated"),  # cut inside the first deflate block
    ],
    ids=["one", "members", "zero-padding", "random", "trailing-garbage", "bad-crc", "cut-60%", "cut-header"],
)
def test_same_bytes_and_same_ending_as_the_standard_library(data: bytes, ending: str) -> None:
    ours, how = _ours(data)
    theirs, their_how = _stdlib(data)
    assert how == their_how == ending
    if ending == "truncated":
        # both keep what came before the cut (the reader turns it into complete records)
        assert TEXT.startswith(ours)
        assert len(ours) >= len(theirs) - 2 * 65536
    elif ending == "bad":
        # a damaged trailer: what came before it may have been handed over already, by both
        assert theirs.startswith(ours)
    else:
        assert ours == theirs


def test_a_cut_file_gives_back_everything_decoded_before_the_cut() -> None:
    ours, how = _ours(ONE[: len(ONE) // 2], chunk=1 << 20)
    assert how == "truncated" and len(ours) > len(TEXT) // 4 and TEXT.startswith(ours)
