"""The report job of the nightly invocation: `auditwarden report` on what `report.nightly` names.

Inventory read live (boto3's IAM collector with the function's role; GCP projects through their APIs),
`logs` joined for least privilege and, when the state store holds baselines, scored for anomalies;
report.html/md/json written to `out` (s3://bucket/prefix or a folder). Last night's report.json at the
same place is read first, so the new report marks what is new and what was fixed.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from scanner.config import Config
from scanner.state.base import StateStore

MAX_PREVIOUS_BYTES = 256 * 1024 * 1024  # report.json of a large organisation; beyond this it is not ours


class NightlyReportError(Exception):
    pass


class Destination:
    """Where the report files go: an S3 prefix (boto3, client made on first use) or a local folder."""

    def __init__(self, out: str) -> None:
        self.out = out
        self._client: Any = None
        if out.startswith("s3://"):
            from scanner.sources.paths import split_s3

            self.bucket, prefix = split_s3(out)
            self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"

    @property
    def is_s3(self) -> bool:
        return self.out.startswith("s3://")

    def _s3(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("s3")
        return self._client

    def where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}" if self.is_s3 else str(Path(self.out) / name)

    def read(self, name: str) -> bytes | None:
        """The file, or None when there is none yet (the first night)."""
        if not self.is_s3:
            path = Path(self.out) / name
            return path.read_bytes() if path.is_file() else None
        client = self._s3()
        try:
            obj = client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except client.exceptions.NoSuchKey:
            return None
        body: bytes = obj["Body"].read(MAX_PREVIOUS_BYTES + 1)
        return body

    def write(self, name: str, body: bytes, content_type: str) -> None:
        if not self.is_s3:
            Path(self.out).mkdir(parents=True, exist_ok=True)
            (Path(self.out) / name).write_bytes(body)
            return
        self._s3().put_object(Bucket=self.bucket, Key=self.prefix + name, Body=body, ContentType=content_type)


CONTENT_TYPES = {"report.html": "text/html; charset=utf-8", "report.md": "text/markdown; charset=utf-8",
                 "report.json": "application/json"}


def _previous(dest: Destination) -> tuple[dict[str, Any] | None, str]:
    raw = dest.read("report.json")
    if raw is None:
        return None, ""
    try:
        if len(raw) > MAX_PREVIOUS_BYTES:
            raise ValueError(f"larger than {MAX_PREVIOUS_BYTES} bytes")
        prev = orjson.loads(raw)
        if not isinstance(prev, dict):
            raise ValueError("not a report.json object")
    except ValueError as e:  # a damaged file costs the new/fixed marks, never the report
        return None, f"{dest.where('report.json')}: cannot use as the previous report ({e}); new/fixed not marked"
    return prev, ""


def _warn(msg: str) -> None:
    from scanner.ops.terminal import safe_line

    sys.stderr.write(safe_line(msg) + "\n")


def run_nightly(config: Config, state: StateStore, now: float) -> dict[str, Any]:
    from scanner.report.actions import default_index
    from scanner.report.build import build_report
    from scanner.report.inputs import anomaly_findings, snapshots, usage_from_logs
    from scanner.report.render import render_files
    from scanner.report.settings import report_nightly, report_settings

    nightly, settings = report_nightly(config), report_settings(config)
    if not nightly.out:
        return {"skipped": "report.nightly.out is not configured"}
    if not (nightly.aws or nightly.gcp_projects):
        return {"skipped": "report.nightly names no inventory (aws: true or gcp_projects)"}
    when = datetime.fromtimestamp(now, UTC)
    days = nightly.days or settings.usage_days
    dest = Destination(nightly.out)
    previous, note = _previous(dest)
    snaps = snapshots((), None, nightly.aws, (), nightly.gcp_projects)
    problems = [f"{p.source}: {p.message}" for s in snaps for p in s.problems]
    if not any(s.principals for s in snaps):
        raise NightlyReportError("nothing usable was read; no report written: " + "; ".join(problems[:5]))
    usage = usage_from_logs(nightly.logs, days, when, config, _warn)
    anomalies = anomaly_findings(config, state, nightly.logs, days, when) if nightly.logs else None
    index = default_index() if any(s.cloud == "aws" and s.principals for s in snaps) else None
    rep = build_report(snaps, settings=settings, trusted=config.trusted, now=when, index=index, usage=usage,
                       previous=previous, anomalies=anomalies)
    for name, body in render_files(rep).items():
        dest.write(name, body, CONTENT_TYPES[name])
    sev = Counter(f.severity for f in rep.findings)
    out: dict[str, Any] = {
        "report": dest.where("report.html"), "identities": sum(a["principals"] for a in rep.accounts),
        "report_findings": len(rep.findings), "by_severity": {s: sev.get(s, 0) for s in ("critical", "high")},
        "anomalies": None if rep.anomalies is None else len(rep.anomalies), "problems": len(problems),
    }
    if rep.changes is not None:
        out.update(new=len(rep.changes.new), fixed=len(rep.changes.fixed))
    if note:
        out["previous"] = note
    return out
