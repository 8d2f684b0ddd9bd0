"""The nightly invocation scores last day's trail (objects in S3, moto's server) against the baselines in
the deployment's state: the unusual hour is delivered through the configured sink once, and the report
written the same night carries it in its anomalies section."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from scanner.handlers.aws_lambda import handle
from scanner.live.runtime import Options, Runtime
from tests.aws_server import aws_endpoint, moto_server  # noqa: F401
from tests.handlers.lambda_support import stdout_lines
from tests.report.anomalies import ATTACK_HOUR, DEVELOPER, REPORT_AS_OF, hijacked_developer

TRAIL, REPORTS = "acme-cloudtrail", "acme-security-reports"
KEY = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/09/17/111122223333_CloudTrail_us-east-1_20260917.json"
CONFIG = f"""\
anomaly:
  nightly:
    logs: [s3://{TRAIL}/AWSLogs/]
    days: 1
report:
  nightly:
    aws: true
    logs: [s3://{TRAIL}/AWSLogs/]
    days: 1
    out: s3://{REPORTS}/nightly
"""


def test_nightly_scores_the_trail_and_delivers_the_unusual_hour_once(
        aws_endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    s = hijacked_developer(tmp_path)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=TRAIL)
    s3.create_bucket(Bucket=REPORTS)
    s3.put_object(Bucket=TRAIL, Key=KEY, Body=s.today.read_bytes())
    boto3.client("iam").create_user(UserName="ops")
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(CONFIG)
    night = datetime.fromisoformat(REPORT_AS_OF).astimezone(UTC).timestamp()
    rt = Runtime(Options(config_location=str(cfg), state=str(s.state), function="auditwarden-nightly"),
                 clock=lambda: night)
    capsys.readouterr()

    jobs = handle({"auditwarden": "nightly"}, None, rt)["nightly"]["jobs"]
    assert jobs["anomaly"]["status"] == "ok", jobs
    assert jobs["anomaly"]["findings"] == 1 and jobs["anomaly"]["delivered"] == 1
    findings, logs = stdout_lines(capsys)
    [f] = findings
    assert f["rule"] == "anomaly.principal_hour" and f["principal"] == DEVELOPER and f["time"] == ATTACK_HOUR
    assert set(s.attack_ids) <= set(f["event_ids"]) and f["evidence"]["drivers"]
    assert logs[0]["trigger"] == "nightly" and logs[0]["delivered"] == 1

    assert jobs["report"]["status"] == "ok" and jobs["report"]["anomalies"] == 1, jobs
    rep = json.loads(s3.get_object(Bucket=REPORTS, Key="nightly/report.json")["Body"].read())
    assert [a["id"] for a in rep["anomalies"]] == [f["id"]]

    again = handle({"auditwarden": "nightly"}, None, rt)["nightly"]["jobs"]
    assert again["anomaly"]["findings"] == 1 and again["anomaly"]["delivered"] == 0  # deduplicated per sink
    assert stdout_lines(capsys)[0] == []


def test_without_baselines_the_job_says_so(aws_endpoint: str, tmp_path: Path) -> None:  # noqa: F811
    boto3.client("s3").create_bucket(Bucket=TRAIL)
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(CONFIG.split("report:")[0])
    rt = Runtime(Options(config_location=str(cfg), state=str(tmp_path / "empty.sqlite"), function="f"))
    jobs = handle({"auditwarden": "nightly"}, None, rt)["nightly"]["jobs"]
    assert jobs["anomaly"]["status"] == "ok" and "no baselines" in jobs["anomaly"]["skipped"]
    assert jobs["report"] == {"status": "ok", "skipped": "report.nightly.out is not configured"}
