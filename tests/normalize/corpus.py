"""The shared audit samples, decoded: what the normalizer tests run over."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import orjson

from scanner.model.event import Event
from scanner.normalize import normalize
from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader
from scanner.sources.records import Item, RawRecord
from tests.conftest import AUDIT

FORMATS = AUDIT / "formats"


def corpus_files() -> list[Path]:
    return sorted(p for p in AUDIT.rglob("*") if p.is_file())


def decode_all(reader: InputReader | None = None) -> list[tuple[Path, Item]]:
    reader = reader or InputReader(Limits())
    return [(p, item) for p in corpus_files() for item in reader.items(str(p))]


@cache
def corpus_records() -> tuple[RawRecord, ...]:
    """Every record of the shared samples that decodes without S3 (the one S3 notification aside)."""
    return tuple(i for _, i in decode_all() if isinstance(i, RawRecord))


def corpus_events() -> list[Event]:
    return [normalize(r) for r in corpus_records()]


def record(path: Path, index: int = 0) -> RawRecord:
    recs = [i for i in InputReader(Limits()).items(str(path)) if isinstance(i, RawRecord)]
    return recs[index]


def event(path: Path, index: int = 0) -> Event:
    return normalize(record(path, index))


def trail_record() -> dict[str, Any]:
    """A real CloudTrail record (StopLogging by an IAM user) to derive variants from."""
    return dict(orjson.loads((FORMATS / "aws_1_cloudtrail_s3_object.json").read_bytes())["Records"][0])


def log_entry() -> dict[str, Any]:
    """A real Admin Activity LogEntry (SetIamPolicy by a user) to derive variants from."""
    return dict(orjson.loads((FORMATS / "gcp_1_logentry_auditlog.json").read_bytes()))
