"""`auditwarden report --state`: the logs' unusual principal-hours get their own section in all three files,
each explained by its driving features; attacker-controlled text in it stays inert."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from scanner.cli import cli
from scanner.model.finding import Finding
from scanner.report.render import render_files
from tests.conftest import REPO
from tests.report.anomalies import ATTACK_HOUR, DEVELOPER, REPORT_AS_OF, hijacked_developer
from tests.report.helpers import allow, authz, doc, report, snapshot, user

AUTHZ = str(REPO / "examples" / "iam" / "aws" / "authz.json")


def _report(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["report", "--aws-authz", AUTHZ, "--as-of", REPORT_AS_OF, "--days", "1", *args],
                             catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def test_report_with_state_has_an_anomalies_section_explained_by_features(tmp_path: Path) -> None:
    s = hijacked_developer(tmp_path)
    out = tmp_path / "out"
    code, stdout, stderr = _report("--logs", str(s.today), "--state", str(s.state), "--out", str(out))
    assert code in (0, 1), stderr
    assert "anomalies: 1 unusual principal-hour" in stdout
    data = json.loads((out / "report.json").read_text())
    [a] = data["anomalies"]
    assert a["rule"] == "anomaly.principal_hour" and a["principal"] == DEVELOPER and a["time"] == ATTACK_HOUR
    assert set(s.attack_ids) <= set(a["event_ids"])
    drivers = a["evidence"]["drivers"]
    assert drivers and all(d["value"] > d["usual"] for d in drivers)
    assert "anomaly.principal_hour" not in {f["rule"] for f in data["findings"]}  # its own section
    md = (out / "report.md").read_text()
    section = md.split("## Anomalies", 1)[1].split("## Checks", 1)[0]
    assert DEVELOPER in section.replace("\\", "")
    assert all(d["feature"].replace("_", "\\_") in section for d in drivers)
    html = (out / "report.html").read_text()
    rows = html.split('id="anomalies"', 1)[1].split("<h2", 1)[0]
    assert rows.count('<tr class="anomaly">') == 1 and ATTACK_HOUR in rows
    assert all(f"{d['feature']} = {d['value']}" in rows for d in drivers)


def test_report_without_state_has_no_anomalies_section(tmp_path: Path) -> None:
    s = hijacked_developer(tmp_path)
    _report("--logs", str(s.today), "--out", str(tmp_path / "out"))
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "anomalies" not in data
    assert "Anomalies" not in (tmp_path / "out" / "report.html").read_text()


def test_state_without_logs_or_baselines_is_named(tmp_path: Path) -> None:
    s = hijacked_developer(tmp_path)
    res = CliRunner().invoke(cli, ["report", "--aws-authz", AUTHZ, "--state", str(s.state), "--out",
                                   str(tmp_path / "o")])
    assert res.exit_code == 2 and "give --logs too" in res.stderr
    empty = tmp_path / "empty.sqlite"
    from scanner.state.sqlite import SqliteStore

    SqliteStore(str(empty)).close()  # a state file, but nothing learned into it
    _, _, stderr = _report("--logs", str(s.today), "--state", str(empty), "--out", str(tmp_path / "o2"))
    assert "no baselines" in stderr and "anomalies not scored" in stderr
    assert "anomalies" not in json.loads((tmp_path / "o2" / "report.json").read_text())


def test_attacker_text_in_an_anomaly_is_inert(tmp_path: Path) -> None:
    evil = "arn:aws:sts::111122223333:assumed-role/x/<img src=x onerror=alert(1)>|**bold**\x1b[31m"
    f = Finding(id="a" * 32, rule="anomaly.principal_hour", title="Unusual hour", severity="medium",
                category="anomaly", cloud="aws", account="111122223333", principal=evil, action="GetSecretValue",
                resource="", time=ATTACK_HOUR, event_ids=("e1",),
                evidence={"score": 0.9, "drivers": [{"feature": "events", "value": 9.0, "usual": 1.0,
                                                     "meaning": "<b>calls</b> in the hour"}],
                          "events": 9, "new_operations": ["<script>x</script>"]},
                remediation="")
    base = report(snapshot(authz(users=[user("dev", {"p": doc(allow("s3:GetObject"))})])))
    from dataclasses import replace

    files = render_files(replace(base, anomalies=(f,)))
    html, md = files["report.html"].decode(), files["report.md"].decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>x</script>" not in html and "<b>calls</b>" not in html
    assert "<img" not in md and "\\*\\*bold\\*\\*" in md and "\x1b" not in md and "\x1b" not in html
