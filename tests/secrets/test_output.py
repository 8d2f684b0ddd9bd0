"""Outputs: text, JSON Lines per the finding contract, SARIF 2.1.0 that validates and that GitHub code
scanning accepts — and in none of them, nor in the run summary, the secret itself."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.secrets.conftest import SARIF_SCHEMA, Fake, cli_run


@pytest.fixture
def leaky(plain_dir: Path, fake: Fake) -> list[str]:
    """A tree with one secret of every family; returns the raw secrets."""
    kid, sec, tok = fake.aws_key_id(418827363510), fake.aws_secret(), fake.session_token()
    gh, slack, stripe, pw = fake.github(), fake.slack_bot(), fake.stripe(), fake.s(18) + "!7"
    sa = fake.gcp_sa()
    pem = fake.pem("RSA ")
    (plain_dir / ".env").write_text(f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n"
                                    f"AWS_SESSION_TOKEN={tok}\nDB_PASSWORD={pw}\n")
    (plain_dir / "ci config").mkdir()
    (plain_dir / "ci config" / "tokens.yml").write_text(f"github: {gh}\nslack: {slack}\nstripe: {stripe}\n")
    (plain_dir / "sa.json").write_text(json.dumps(sa, indent=2))
    (plain_dir / "id_rsa").write_text(pem)
    body = "".join(pem.splitlines()[1:-1])
    sa_body = "".join(sa["private_key"].splitlines()[1:-1])
    return [sec, tok, gh, slack, stripe, pw, *(body[i:i + 24] for i in range(0, len(body) - 24, 24)),
            *(sa_body[i:i + 24] for i in range(0, len(sa_body) - 24, 24))]


def _assert_no_secret(text: str, secrets: list[str]) -> None:
    leaked = [s[:6] + "…" for s in secrets if s in text]
    assert leaked == [], f"raw secret text in output: {leaked}"


@pytest.mark.parametrize("fmt", ["text", "jsonl", "sarif"])
def test_no_output_format_carries_a_secret(leaky: list[str], fmt: str) -> None:
    code, out, err = cli_run(".", "--format", fmt)
    assert code == 1
    _assert_no_secret(out, leaky)
    _assert_no_secret(err, leaky)
    code, out, err = cli_run(".", "--format", fmt, "--log-format", "json")
    _assert_no_secret(err, leaky)


def test_jsonl_follows_the_finding_contract(leaky: list[str]) -> None:
    code, out, _ = cli_run(".", "--format", "jsonl")
    assert code == 1
    findings = [json.loads(line) for line in out.splitlines()]
    assert {f["rule"] for f in findings} == {
        "secrets.aws.access_key", "secrets.aws.session_token", "secrets.generic.assignment", "secrets.github.token",
        "secrets.slack.token", "secrets.stripe.key", "secrets.gcp.service_account_key", "secrets.private_key"}
    for f in findings:
        assert set(f) >= {"id", "rule", "title", "severity", "category", "cloud", "account", "principal", "action",
                          "resource", "time", "event_ids", "location", "evidence", "remediation", "response"}
        assert f["category"] == "secret" and f["cloud"] == "git" and f["location"]["line"] >= 1
        assert f["evidence"]["redacted"] and len(f["evidence"]["sha256"]) == 12 and f["remediation"]
    by_rule = {f["rule"]: f for f in findings}
    aws = by_rule["secrets.aws.access_key"]
    assert aws["location"] == {"path": ".env", "line": 1, "end_line": 2, "lines": [1, 2]}
    assert aws["account"] == "418827363510"
    assert aws["evidence"]["revocation"]["kind"] == "aws-key"
    gcp = by_rule["secrets.gcp.service_account_key"]
    assert gcp["principal"].endswith(".iam.gserviceaccount.com") and len(gcp["evidence"]["private_key_id"]) == 40
    assert gcp["evidence"]["revocation"]["kind"] == "gcp-key" and gcp["account"] == "acme-prod-4711"
    assert by_rule["secrets.github.token"]["location"]["path"] == "ci config/tokens.yml"


def test_ids_are_stable_across_runs_and_line_moves(plain_dir: Path, fake: Fake) -> None:
    tok = fake.github()
    (plain_dir / "a.py").write_text(f"T = '{tok}'\n")
    first = json.loads(cli_run(".", "--format", "jsonl")[1])["id"]
    (plain_dir / "a.py").write_text(f"import os\n\n\nT = '{tok}'\n")
    again = json.loads(cli_run(".", "--format", "jsonl")[1])
    assert again["id"] == first and again["location"]["line"] == 4


def test_sarif_validates_and_has_what_github_code_scanning_reads(leaky: list[str]) -> None:
    code, out, _ = cli_run(".", "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "auditwarden"
    for r in rules:
        assert r["id"].startswith("secrets.") and r["help"]["text"] and r["shortDescription"]["text"]
        assert 0.0 <= float(r["properties"]["security-severity"]) <= 10.0
    uris = set()
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"] and res["partialFingerprints"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["region"]["startLine"] >= 1
        uris.add(loc["artifactLocation"]["uri"])
    # Relative to the repository root, dot-files keep their dot, spaces are percent-encoded.
    assert uris == {".env", "ci%20config/tokens.yml", "sa.json", "id_rsa"}


def test_sarif_of_a_clean_run_validates(plain_dir: Path) -> None:
    (plain_dir / "a.txt").write_text("nothing\n")
    code, out, _ = cli_run(".", "--format", "sarif", "--output", "out.sarif")
    assert (code, out) == (0, "")
    sarif = json.loads((plain_dir / "out.sarif").read_text())
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(sarif)
    assert sarif["runs"][0]["results"] == []


def test_text_output_strips_terminal_control_characters(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "evil\x1b[2J\x07.env").write_text(f"GITHUB_TOKEN={fake.github()}\n")
    code, out, err = cli_run(".")
    assert code == 1 and "\x1b" not in out and "\x07" not in out and "evil[2J.env:1:" in out
    assert "\x1b" not in err
