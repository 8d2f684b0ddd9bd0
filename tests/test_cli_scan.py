"""`auditwarden scan` as users script it: exit codes, outputs, run summary, dead letters."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scanner.cli import cli
from tests.conftest import AUDIT

STOP_LOGGING = AUDIT / "formats" / "aws_1_cloudtrail_s3_object.json"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_finding_exits_1_and_writes_contract_jsonl() -> None:
    code, out, err = run("scan", str(STOP_LOGGING))
    assert code == 1
    [line] = out.splitlines()
    f = orjson.loads(line)
    assert f["rule"] == "aws.cloudtrail.logging_stopped"
    assert f["principal"] == "arn:aws:iam::143434273843:user/christophe"
    assert f["action"] == "cloudtrail:StopLogging"
    assert f["event_ids"] == ["10163ed2-2253-469d-a5ee-cbc6651f8934"]
    assert set(f) >= {"id", "rule", "title", "severity", "category", "cloud", "account", "principal", "action",
                      "resource", "time", "event_ids", "location", "evidence", "remediation", "response"}
    assert "1 record(s)" in err and "high=1" in err


def test_fail_on_above_the_finding_exits_0() -> None:
    code, out, _ = run("scan", str(STOP_LOGGING), "--fail-on", "critical")
    assert code == 0
    assert out.strip()  # still reported


def test_same_input_same_finding_id_across_runs_and_formats(tmp_path: Path) -> None:
    gz = tmp_path / "trail.bin"  # gzip detected by content, not by name
    gz.write_bytes(gzip.compress(STOP_LOGGING.read_bytes()))
    _, a, _ = run("scan", str(STOP_LOGGING))
    _, b, _ = run("scan", str(gz))
    assert orjson.loads(a)["id"] == orjson.loads(b)["id"]


def test_missing_path_is_a_usage_error() -> None:
    code, _, err = run("scan", "/nonexistent/trail.json")
    assert code == 2
    assert "no such file" in err


def test_nothing_readable_exits_2(tmp_path: Path) -> None:
    (tmp_path / "junk.json").write_text("this is not json")
    (tmp_path / "empty.json").write_text("")
    code, out, err = run("scan", str(tmp_path))
    assert code == 2
    assert out == ""
    assert "not_json=1" in err and "empty=1" in err


def test_bad_input_is_counted_dead_lettered_and_the_run_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "in" / "good.json"
    good.parent.mkdir()
    shutil.copy(STOP_LOGGING, good)
    (tmp_path / "in" / "bad.json").write_text("{not json")
    (tmp_path / "in" / "trunc.json.gz").write_bytes(gzip.compress(STOP_LOGGING.read_bytes())[:-30])
    (tmp_path / "in" / "wrongtype.json").write_bytes(orjson.dumps(
        {"eventVersion": "1.08", "eventID": "x", "eventSource": "cloudtrail.amazonaws.com", "eventName": 7}))
    dl = tmp_path / "dead.jsonl"
    code, out, _ = run("scan", str(tmp_path / "in"), "--dead-letter", str(dl))
    assert code == 1
    assert len(out.splitlines()) == 1
    reasons = sorted(orjson.loads(line)["reason"] for line in dl.read_text().splitlines())
    assert reasons == ["not_json", "truncated_gzip", "wrong_type"]
    for r in map(orjson.loads, dl.read_text().splitlines()):
        assert r["origin"].startswith(str(tmp_path / "in"))


def test_json_log_format_is_one_parseable_summary_line() -> None:
    code, _, err = run("scan", str(STOP_LOGGING), "--log-format", "json")
    assert code == 1
    summary = orjson.loads(err.strip().splitlines()[-1])
    assert summary["records"] == 1 and summary["findings"]["high"] == 1 and summary["dead_lettered"] == 0
    assert summary["records_per_second"] > 0


def test_table_strips_terminal_escapes_from_attacker_text(tmp_path: Path) -> None:
    rec = orjson.loads(STOP_LOGGING.read_bytes())["Records"][0]
    rec["userIdentity"]["arn"] = "arn:aws:iam::143434273843:user/\x1b[2J\x1b]0;pwned\x07eve\r"
    p = tmp_path / "evil.json"
    p.write_bytes(orjson.dumps(rec))
    code, out, _ = run("scan", str(p), "--format", "table")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "user/[2J]0;pwnedeve" in out


def test_output_file_and_sarif(tmp_path: Path) -> None:
    out = tmp_path / "f.sarif"
    code, stdout, _ = run("scan", str(STOP_LOGGING), "--format", "sarif", "--output", str(out))
    assert code == 1 and stdout == ""
    sarif = orjson.loads(out.read_bytes())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "aws.cloudtrail.logging_stopped"


def test_jobs_2_gives_the_same_findings_as_jobs_1(tmp_path: Path) -> None:
    for i, f in enumerate(sorted((AUDIT / "formats").iterdir())):
        shutil.copy(f, tmp_path / f"{i}-{f.name}")
    _, one, _ = run("scan", str(tmp_path))
    _, two, _ = run("scan", str(tmp_path), "--jobs", "2")
    assert one and one == two


def test_more_workers_than_inputs_hand_over_every_finding(tmp_path: Path) -> None:
    """Workers keep their findings until the end; one that read nothing must not hold up the others."""
    shutil.copy(STOP_LOGGING, tmp_path / "a.json")
    rec = orjson.loads(STOP_LOGGING.read_bytes())["Records"][0]
    (tmp_path / "b.json").write_bytes(orjson.dumps({**rec, "eventID": "later", "eventTime": "2030-01-01T00:00:00Z"}))
    _, one, _ = run("scan", str(tmp_path))
    _, four, _ = run("scan", str(tmp_path), "--jobs", "4")
    assert len(one.splitlines()) >= 2 and one == four


def test_config_error_names_file_and_line(tmp_path: Path) -> None:
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text("aggregation:\n  window_seconds: 10\nresponse:\n  mode: yolo\n")
    code, _, err = run("scan", str(STOP_LOGGING), "--config", str(cfg))
    assert code == 2
    assert f"{cfg}:4:" in err and "response.mode" in err


def test_disabled_detector_and_rule_switches(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("rules:\n  disabled: [aws.cloudtrail.logging_stopped]\n")
    assert run("scan", str(STOP_LOGGING), "--config", str(cfg))[0] == 0
    cfg.write_text("detectors:\n  rules: {enabled: false}\n")
    assert run("scan", str(STOP_LOGGING), "--config", str(cfg))[0] == 0


@pytest.mark.parametrize("args", [["scan"], ["scan", "x", "--format", "xml"], ["nope"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    p = tmp_path / "deep.json"
    p.write_text("[" * 200_000 + "]" * 200_000)
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(p)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "too_deep=1" in proc.stderr


def test_progress_bar_never_mixes_into_findings_on_stdout(tmp_path: Path) -> None:
    for i in range(3):
        shutil.copy(STOP_LOGGING, tmp_path / f"{i}.json")
    code, out, _ = run("scan", str(tmp_path), "--progress")
    assert code == 1
    for line in out.splitlines():
        orjson.loads(line)  # every stdout line is a finding, nothing else
