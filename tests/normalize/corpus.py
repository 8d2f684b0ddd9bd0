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


VPCSC_SAMPLE = AUDIT / "gcp/security-analytics/test/fixtures/google.storage.objects.get-notInSameVPC.json"


def policy_denied_entries() -> dict[str, dict[str, Any]]:
    """A real VPC Service Controls Policy Denied entry and the spellings an attacker or another sink
    may give it (the log name unescaped, lower-case escaped, of a folder or an organization; the status
    code as a string; no authenticationInfo at all, or a redacted caller), plus an ordinary
    PERMISSION_DENIED of the same call in the activity log, which is not a VPC-SC denial."""
    base = orjson.loads(VPCSC_SAMPLE.read_bytes())
    p = base["protoPayload"]
    no_auth = {k: v for k, v in p.items() if k != "authenticationInfo"}
    return {
        "sample": base,
        "unescaped": {**base, "logName": "projects/1234/logs/cloudaudit.googleapis.com/policy"},
        "lowercase-escape": {**base, "logName": "projects/1234/logs/cloudaudit.googleapis.com%2fpolicy"},
        "folder": {**base, "logName": "folders/42/logs/cloudaudit.googleapis.com%2Fpolicy"},
        "organization": {**base, "logName": "organizations/123/logs/cloudaudit.googleapis.com/policy"},
        "code-as-string": {**base, "protoPayload": {**p, "status": {**p["status"], "code": "7"}}},
        "no-auth": {**base, "protoPayload": no_auth},
        "named-caller": {**base, "protoPayload": {
            **p, "authenticationInfo": {"principalEmail": "attacker@evil.example"}}},
        "activity-denied": {**base, "logName": "projects/1234/logs/cloudaudit.googleapis.com%2Fdata_access",
                            "protoPayload": {**no_auth, "metadata": {}, "authenticationInfo": {
                                "principalEmail": "dev@acme.example"}}},
    }
