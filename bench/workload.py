"""Generate a real-shaped audit-log workload from the bundled samples (tests/fixtures/audit).

Every record is a real sample with a fresh id and time, so the mix of shapes and sizes is what the
scanner meets in production: CloudTrail S3 objects (gzip) and GCS-sink NDJSON hourly files (gzip).
"""

from __future__ import annotations

import gzip
import random
import uuid
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


def generate(out: Path, aws_records: int, gcp_records: int, per_file: int = 5000, seed: int = 7) -> list[Path]:
    """Write the workload once (reused when the same size exists); return its files."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = out.parent / f"{out.name}.done-{aws_records}-{gcp_records}-{per_file}-{seed}"
    if stamp.exists():
        return sorted(p for p in out.iterdir() if p.suffix == ".gz")
    for old in out.glob("*.gz"):
        old.unlink()
    rng = random.Random(seed)
    aws, gcp = sample_records()
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


__all__ = ["CLOUDTRAIL", "GCP_LOGENTRY", "generate", "sample_records"]
