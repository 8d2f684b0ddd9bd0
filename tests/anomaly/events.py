"""Real-shaped CloudTrail / GCP audit records for the anomaly tests, built with the bench generator's
record builders (the same shapes the evaluation runs on), normalized by the real mappers."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bench.anomaly_gen import Log, aws_role, aws_user, gcp_auth
from scanner.model.event import Event
from scanner.normalize import normalize
from scanner.sources.records import CLOUDTRAIL, GCP_LOGENTRY, RawRecord

T0 = datetime(2026, 9, 7, tzinfo=UTC).timestamp()  # a Monday, 00:00 UTC
HOUR, DAY = 3600.0, 86400.0
ROLE = aws_role("orders-api", "i-0a1b2c3d4e5f60718")
DEV = aws_role("developer", "alice@acme.com")
BACKUP = aws_user("legacy-backup", "AKIAZ7QBACKUP000001")
CONSOLE = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Version/17.3 Safari/605.1.15"
JAVA = "aws-sdk-java/2.25.6 Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.10 Java/17.0.10"


class Trail:
    """Collects records and hands them back as normalized Events, in time order."""

    def __init__(self, seed: int = 1) -> None:
        self.log = Log(random.Random(seed))

    def aws(self, t: float, ident: dict[str, Any], service: str, op: str, ip: str = "3.120.5.10",
            agent: str = JAVA, **kw: Any) -> str:
        return self.log.aws_call(t, ident, service, op, ip, agent, kw.pop("region", "us-east-1"), **kw)

    def gcp(self, t: float, email: str, service: str, method: str, ip: str = "35.202.7.9",
            agent: str = "grpc-java-netty/1.62.2,gzip(gfe)", **kw: Any) -> str:
        return self.log.gcp_call(t, gcp_auth(email), service, method, ip, agent, kw.pop("resource", "projects/p"),
                                 kw.pop("permission", "x.y"), **kw)

    def records(self) -> list[tuple[str, dict[str, Any]]]:
        out = [(CLOUDTRAIL, r) for recs in self.log.aws.values() for r in recs]
        out += [(GCP_LOGENTRY, r) for recs in self.log.gcp.values() for r in recs]
        return sorted(out, key=lambda kr: kr[1].get("eventTime") or kr[1]["timestamp"])

    def events(self) -> list[Event]:
        return [normalize(RawRecord(kind, rec, "test")) for kind, rec in self.records()]

    def routine(self, days: int, ident: dict[str, Any] = ROLE, start: float = T0) -> None:
        """A service's steady days: KMS decrypt and one secret, every hour, from its own network."""
        for d in range(days):
            for h in range(24):
                t = start + d * DAY + h * HOUR
                self.aws(t + 60, ident, "kms.amazonaws.com", "Decrypt")
                self.aws(t + 120, ident, "secretsmanager.amazonaws.com", "GetSecretValue",
                         params={"secretId": "prod/orders/db"})


def developer_weeks(trail: Trail, days: int, start: float = T0) -> None:
    """The service's routine plus a developer reading from the office console four times a workday."""
    trail.routine(days, start=start)
    for d in range(days):
        for h in (9, 11, 14, 16):
            t = start + d * DAY + h * HOUR
            trail.aws(t, DEV, "ec2.amazonaws.com", "DescribeInstances", ip="198.51.100.20", agent=CONSOLE)
            trail.aws(t + 30, DEV, "logs.amazonaws.com", "FilterLogEvents", ip="198.51.100.20", agent=CONSOLE)


def write_trail(trail: Trail, path: Path) -> Path:
    """The records as one CloudTrail file (`{"Records": [...]}`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps({"Records": [r for _, r in trail.records()]}))
    return path
