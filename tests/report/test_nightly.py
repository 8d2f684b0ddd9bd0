"""The nightly Lambda invocation writes the report to S3 (moto's server, real boto3) and the next night
marks what is new and what was fixed against the report.json it left there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from scanner.handlers.aws_lambda import handler
from tests.aws_server import aws_endpoint, moto_server  # noqa: F401

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
BUCKET = "acme-security-reports"


@pytest.fixture
def lambda_env(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:  # noqa: F811
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.delenv("AUDITWARDEN_STATE", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", f"auditwarden-nightly-{tmp_path.name}")  # a fresh warm runtime
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(f"report:\n  nightly:\n    aws: true\n    out: s3://{BUCKET}/nightly/prod\n")
    monkeypatch.setenv("AUDITWARDEN_CONFIG", str(cfg))
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return cfg


def _files() -> dict[str, bytes]:
    s3 = boto3.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    return {k: s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in keys}


def _night() -> dict[str, Any]:
    out = handler({"auditwarden": "nightly"}, None)
    return dict(out["nightly"]["jobs"])


def _admin_findings(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [f for f in data["findings"] if f["principal"].endswith(f":user/{name}") and f["rule"] ==
            "privilege.aws.admin"]


def test_two_nights_write_the_report_to_s3_and_mark_new_and_fixed(lambda_env: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    iam = boto3.client("iam")
    iam.create_user(UserName="ops-admin")
    iam.attach_user_policy(UserName="ops-admin", PolicyArn=ADMIN)
    iam.create_user(UserName="ci")
    iam.create_access_key(UserName="ci")

    jobs = _night()
    assert jobs["report"]["status"] == "ok", jobs
    assert jobs["report"]["report"] == f"s3://{BUCKET}/nightly/prod/report.html"
    assert jobs["anomaly"] == {"status": "ok", "skipped": "anomaly.nightly.logs is not configured"}
    files = _files()
    assert set(files) == {f"nightly/prod/report.{x}" for x in ("html", "md", "json")}
    first = json.loads(files["nightly/prod/report.json"])
    assert "changes" not in first  # the first night has nothing to compare with
    [was] = _admin_findings(first, "ops-admin")
    assert "ops-admin" in files["nightly/prod/report.html"].decode()

    # the next day: the admin policy moves from ops-admin to a new user
    iam.detach_user_policy(UserName="ops-admin", PolicyArn=ADMIN)
    iam.create_user(UserName="contractor")
    iam.attach_user_policy(UserName="contractor", PolicyArn=ADMIN)
    jobs = _night()
    assert jobs["report"]["status"] == "ok", jobs
    second = json.loads(_files()["nightly/prod/report.json"])
    [now] = _admin_findings(second, "contractor")
    assert not _admin_findings(second, "ops-admin")
    assert second["changes"]["since"] == first["generated_at"]
    assert now["id"] in second["changes"]["new"] and was["id"] not in second["changes"]["new"]
    assert was["id"] in [f["id"] for f in second["changes"]["fixed"]]
    assert jobs["report"]["new"] == len(second["changes"]["new"]) >= 1 and jobs["report"]["fixed"] >= 1
    md = _files()["nightly/prod/report.md"].decode()
    assert "## Since" in md and "contractor" in md


def test_a_damaged_previous_report_costs_the_marks_not_the_report(lambda_env: Path) -> None:
    boto3.client("iam").create_user(UserName="ops")
    boto3.client("s3").put_object(Bucket=BUCKET, Key="nightly/prod/report.json", Body=b"{not json")
    jobs = _night()
    assert jobs["report"]["status"] == "ok" and "new/fixed not marked" in jobs["report"]["previous"]
    assert json.loads(_files()["nightly/prod/report.json"])["generated_at"]


def test_unreachable_out_bucket_fails_the_invocation_naming_the_job(lambda_env: Path) -> None:
    lambda_env.write_text("report:\n  nightly:\n    aws: true\n    out: s3://no-such-bucket/x\n")
    boto3.client("iam").create_user(UserName="ops")
    from scanner.live.nightly import NightlyFailed

    with pytest.raises(NightlyFailed, match=r"report.*NoSuchBucket"):
        handler({"auditwarden": "nightly"}, None)
