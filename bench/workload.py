"""Generate a real-shaped audit-log workload from the bundled samples (tests/fixtures/audit).

Every record is a real sample with a fresh id and time, so the mix of shapes and sizes is what the
scanner meets in production: CloudTrail S3 objects (gzip) and GCS-sink NDJSON hourly files (gzip).
"""

from __future__ import annotations

import gzip
import random
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from scanner.sources.limits import Limits
from scanner.sources.paths import InputReader, expand
from scanner.sources.records import CLOUDTRAIL, GCP_LOGENTRY, RawRecord

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audit"


def sample_records() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    reader = InputReader(Limits())
    aws: list[dict[str, Any]] = []
    gcp: list[dict[str, Any]] = []
    for name in expand([str(FIXTURES)]):
        for item in reader.items(name):
            if isinstance(item, RawRecord):
                if item.kind == CLOUDTRAIL:
                    aws.append(dict(item.data))
                elif item.kind == GCP_LOGENTRY and "protoPayload" in item.data:
                    gcp.append(dict(item.data))
    return aws, gcp


def _variants(samples: list[dict[str, Any]], n: int, rng: random.Random, cloud: str) -> Iterator[dict[str, Any]]:
    for i in range(n):
        rec = dict(rng.choice(samples))
        if cloud == "aws":
            rec["eventID"] = str(uuid.UUID(int=rng.getrandbits(128)))
            rec["eventTime"] = f"2024-07-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z"
        else:
            rec["insertId"] = f"{rng.getrandbits(48):x}"
            rec["timestamp"] = f"2024-07-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.123456Z"
        yield rec


def wanted_by_pack(samples: list[dict[str, Any]], kind: str) -> list[bool | None]:
    """Per sample: whether some default detector of the importable pack wants its key (None: malformed)."""
    from scanner.config import Config
    from scanner.detectors import build_detectors
    from scanner.normalize import NormalizeError
    from scanner.normalize.keys import quick_key
    from scanner.state.memory import MemoryStore

    dets = build_detectors(Config(), MemoryStore())
    out: list[bool | None] = []
    for rec in samples:
        try:
            key = quick_key(RawRecord(kind, rec, "sample"))
        except NormalizeError:
            out.append(None)
            continue
        out.append(any(d.wants(*key) for d in dets))
    return out


def _split_by_interest(samples: list[dict[str, Any]], kind: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(samples some default detector wants, samples none wants): the first are normalized and judged.
    A malformed sample is in neither (it is simply not part of the quiet pool)."""
    marks = wanted_by_pack(samples, kind)
    return ([r for r, m in zip(samples, marks, strict=True) if m is True],
            [r for r, m in zip(samples, marks, strict=True) if m is False])


def _mix(samples: list[dict[str, Any]], kind: str, share: float | None, rng: random.Random) -> list[dict[str, Any]]:
    """The sample pool as is, or weighted so that `share` of the draws are records a detector wants."""
    if share is None:
        return samples
    wanted, quiet = _split_by_interest(samples, kind)
    # a pool of 1,000 draws in the requested proportion; _variants then samples from it uniformly
    return [rng.choice(wanted) if rng.random() < share else rng.choice(quiet) for _ in range(1000)]


def generate(out: Path, aws_records: int, gcp_records: int, per_file: int = 5000, seed: int = 7,
             interesting_share: float | None = None, keep: list[bool] | None = None) -> list[Path]:
    """Write the workload once (reused when the same size exists); return its files.

    `interesting_share`: None draws uniformly from the bundled samples (mostly attack samples, so about
    a quarter of the records reach a detector); 0.01 makes a realistic trail where one record in a
    hundred is something a detector wants to see. `keep`: one flag per sample (sample_records() order,
    AWS then GCP); only flagged samples are drawn (the stamp then carries the flags' count and hash).
    """
    out.mkdir(parents=True, exist_ok=True)
    kept = "" if keep is None else f"-keep{sum(keep)}-{zlib.crc32(bytes(keep)):08x}"
    stamp = out.parent / f"{out.name}.done-{aws_records}-{gcp_records}-{per_file}-{seed}-{interesting_share}{kept}"
    if stamp.exists():
        return sorted(p for p in out.iterdir() if p.suffix == ".gz")
    for old in [*out.glob("*.gz"), *out.parent.glob(f"{out.name}.done-*")]:  # another draw's files and stamp
        old.unlink()
    rng = random.Random(seed)
    aws, gcp = sample_records()
    if keep is not None:
        aws, gcp = ([r for r, k in zip(aws, keep[: len(aws)], strict=True) if k],
                    [r for r, k in zip(gcp, keep[len(aws):], strict=True) if k])
    aws, gcp = _mix(aws, CLOUDTRAIL, interesting_share, rng), _mix(gcp, GCP_LOGENTRY, interesting_share, rng)
    files: list[Path] = []
    recs = list(_variants(aws, aws_records, rng, "aws"))
    for i in range(0, len(recs), per_file):
        p = out / f"111122223333_CloudTrail_us-east-1_{i // per_file:04d}.json.gz"
        p.write_bytes(gzip.compress(orjson.dumps({"Records": recs[i : i + per_file]}), 6))
        files.append(p)
    recs = list(_variants(gcp, gcp_records, rng, "gcp"))
    for i in range(0, len(recs), per_file):
        p = out / f"cloudaudit.googleapis.com_activity_{i // per_file:04d}.json.gz"
        p.write_bytes(gzip.compress(b"\n".join(orjson.dumps(r) for r in recs[i : i + per_file]) + b"\n", 6))
        files.append(p)
    stamp.touch()
    return files


__all__ = ["CLOUDTRAIL", "GCP_LOGENTRY", "generate", "sample_records", "wanted_by_pack"]
