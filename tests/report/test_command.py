"""`auditwarden report` end to end: files written, exit codes, bad input named without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import FIXTURES, REPO

EX = REPO / "examples" / "iam"
AS_OF = ["--as-of", "2026-11-30T12:00:00Z"]


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def test_full_run_and_previous(tmp_path: Path) -> None:
    common = ["--aws-authz", str(EX / "aws" / "authz.json"), "--aws-credential-report",
              str(EX / "aws" / "credential-report.csv"), "--gcp-iam", str(EX / "gcp"), "--logs", str(EX / "logs"),
              "--days", "30", *AS_OF]
    code, out, _ = _run(*common, "--out", str(tmp_path / "n1"))
    assert code == 1 and "html: " in out
    assert {p.name for p in (tmp_path / "n1").iterdir()} == {"report.html", "report.md", "report.json"}
    code, out, _ = _run(*common, "--out", str(tmp_path / "n2"), "--previous", str(tmp_path / "n1" / "report.json"),
                        "--fail-on", "critical")
    data = json.loads((tmp_path / "n2" / "report.json").read_text())
    assert data["changes"]["new"] == [] and data["changes"]["fixed"] == []
    assert code == 1  # criticals exist
    first = json.loads((tmp_path / "n1" / "report.json").read_text())
    assert [f["id"] for f in first["findings"]] == [f["id"] for f in data["findings"]]  # diffs cleanly


def test_nothing_usable_is_exit_2_naming_each_file(tmp_path: Path) -> None:
    cut = tmp_path / "authz.json"
    cut.write_bytes((FIXTURES / "iam" / "cloudsplaining__test_files_example-authz-details.json").read_bytes()[:777])
    wrong = tmp_path / "gcp"
    wrong.mkdir()
    (wrong / "trail.json").write_text('{"Records": []}')
    code, _, err = _run("--aws-authz", str(cut), "--gcp-iam", str(wrong), "--out", str(tmp_path / "out"))
    assert code == 2
    assert f"{cut}: truncated JSON" in err and "trail.json: not a GCP IAM export" in err
    assert "nothing usable" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_partly_bad_input_still_writes_the_rest(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("not json at all")
    code, _, err = _run("--aws-authz", str(bad), "--gcp-iam", str(EX / "gcp"), "--out", str(tmp_path / "o"), *AS_OF)
    assert code == 1 and f"{bad}: not JSON" in err
    data = json.loads((tmp_path / "o" / "report.json").read_text())
    assert [a["cloud"] for a in data["accounts"]] == ["gcp"]
    assert any(p["source"] == str(bad) for p in data["problems"])


def test_emit_sql_and_usage_errors(tmp_path: Path) -> None:
    code, out, _ = _run("--emit-sql", "athena", "--days", "7")
    assert code == 0 and "INTERVAL '7' DAY" in out
    bad = tmp_path / "u.csv"
    bad.write_text("x\n1\n")
    code, _, err = _run("--aws-authz", str(EX / "aws" / "authz.json"), "--usage", str(bad), "--out", str(tmp_path))
    assert code == 2 and "u.csv:2: needs columns" in err


def test_config_thresholds_are_read_and_checked(tmp_path: Path) -> None:
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text("report:\n  key_max_age_days: 10000\n  disabled_rules: [hygiene.aws.key_unused]\n")
    _run("--aws-authz", str(EX / "aws" / "authz.json"), "--aws-credential-report",
         str(EX / "aws" / "credential-report.csv"), "--config", str(cfg), "--out", str(tmp_path / "o"), *AS_OF)
    rules = {f["rule"] for f in json.loads((tmp_path / "o" / "report.json").read_text())["findings"]}
    assert "hygiene.aws.key_age" not in rules and "hygiene.aws.key_unused" not in rules
    assert "hygiene.aws.console_no_mfa" in rules
    cfg.write_text("report:\n  key_max_age_days: soon\n")
    code, _, err = _run("--aws-authz", str(EX / "aws" / "authz.json"), "--config", str(cfg), "--out", str(tmp_path))
    assert code == 2 and f"{cfg}:2" in err and "key_max_age_days" in err



def test_unknown_actions_and_bad_documents_are_listed(tmp_path: Path) -> None:
    data = json.loads((EX / "aws" / "authz.json").read_text())
    bob = next(u for u in data["UserDetailList"] if u["UserName"] == "bob")
    bob["UserPolicyList"].append({"PolicyName": "typo", "PolicyDocument": {"Statement": [
        {"Effect": "Allow", "Action": ["iam:PassRoel", "s3:GetObject"], "Resource": "*"}]}})
    bob["UserPolicyList"].append({"PolicyName": "garbled", "PolicyDocument": "%7B%22Statement%22%3A"})
    path = tmp_path / "authz.json"
    path.write_text(json.dumps(data))
    code, _, err = _run("--aws-authz", str(path), "--out", str(tmp_path / "o"), *AS_OF)
    assert code == 1 and "user bob: policy 'garbled': policy document is not valid JSON" in err
    problems = json.loads((tmp_path / "o" / "report.json").read_text())["problems"]
    assert any("iam:PassRoel" in p["message"] for p in problems)
    assert "iam:PassRoel" in (tmp_path / "o" / "report.md").read_text()
