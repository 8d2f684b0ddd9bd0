"""Helpers the source tests share: decode an input the way a scan does, and sort what comes out."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.reader import read_items
from scanner.sources.records import Item, RawRecord, Rejected, Skipped

ITEM_TYPES = (RawRecord, Rejected, Skipped)


def decode(path: Path | str, limits: Limits | None = None) -> list[Item]:
    return list(InputReader(limits or Limits()).items(str(path)))


def decode_bytes(data: bytes, limits: Limits | None = None, origin: str = "mem") -> list[Item]:
    return list(read_items(io.BytesIO(data), origin, limits or Limits()))


def decode_doc(doc: object, limits: Limits | None = None) -> list[Item]:
    return list(unwrap(doc, "doc", limits or Limits()))


def records(items: Iterable[Item]) -> list[RawRecord]:
    return [i for i in items if isinstance(i, RawRecord)]


def rejected(items: Iterable[Item]) -> list[Rejected]:
    return [i for i in items if isinstance(i, Rejected)]


def skipped(items: Iterable[Item]) -> list[Skipped]:
    return [i for i in items if isinstance(i, Skipped)]


def record_id(rec: RawRecord) -> str:
    key = "insertId" if rec.kind == "gcp_logentry" else ("id" if rec.kind == "eventbridge" else "eventID")
    return str(rec.data.get(key))
