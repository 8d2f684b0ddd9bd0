"""Suppressions a team can live with: inline markers, a baseline keyed by (path, rule, secret), and
configured exclusions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.secrets.conftest import Fake, cli_run


@pytest.mark.parametrize("marker", ["# auditwarden:allow", "# pragma: allowlist secret", "# gitleaks:allow"])
def test_inline_markers_silence_their_line(plain_dir: Path, fake: Fake, marker: str) -> None:
    tok = fake.github()
    (plain_dir / "a.py").write_text(f"TEST_TOKEN = '{tok}'  {marker}\nOTHER = '{fake.github()}'\n")
    code, out, err = cli_run("a.py", "--format", "jsonl")
    assert code == 1
    assert [json.loads(x)["location"]["line"] for x in out.splitlines()] == [2]
    assert "suppressed: 1 inline" in err


def test_next_line_marker(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "a.yaml").write_text(f"# pragma: allowlist nextline secret\ntoken: {fake.github()}\n")
    assert cli_run("a.yaml")[0] == 0


def test_baseline_round_trip(plain_dir: Path, fake: Fake) -> None:
    s1, s2 = fake.github(), fake.stripe()
    (plain_dir / "a.env").write_text(f"GITHUB_TOKEN={s1}\nSTRIPE_KEY={s2}\n")
    code, out, err = cli_run(".", "--baseline", "bl.json", "--update")
    assert (code, out) == (0, "") and "bl.json: 2 accepted finding(s)" in err
    text = (plain_dir / "bl.json").read_text()
    doc = json.loads(text)
    assert {e["rule"] for e in doc["entries"]} == {"secrets.github.token", "secrets.stripe.key"}
    assert s1 not in text and s2 not in text and '"line"' not in text  # never the secret, never lines
    code, out, err = cli_run(".", "--baseline", "bl.json")
    assert (code, out) == (0, "") and "2 by baseline" in err
    # Lines move: still accepted. A new secret: reported, and only it.
    s3 = fake.slack_bot()
    (plain_dir / "a.env").write_text(f"# moved\n\nSTRIPE_KEY={s2}\nSLACK={s3}\nGITHUB_TOKEN={s1}\n")
    code, out, err = cli_run(".", "--baseline", "bl.json", "--format", "jsonl")
    assert code == 1 and [json.loads(x)["rule"] for x in out.splitlines()] == ["secrets.slack.token"]
    assert "2 by baseline" in err
    # The same secret in another file is another leak.
    (plain_dir / "b.env").write_text(f"GITHUB_TOKEN={s1}\n")
    out = cli_run(".", "--baseline", "bl.json", "--format", "jsonl")[1]
    assert {json.loads(x)["location"]["path"] for x in out.splitlines()} == {"a.env", "b.env"}


def test_update_keeps_entries_of_files_not_scanned(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "a.env").write_text(f"GITHUB_TOKEN={fake.github()}\n")
    (plain_dir / "b.env").write_text(f"STRIPE_KEY={fake.stripe()}\n")
    cli_run(".", "--baseline", "bl.json", "--update")
    cli_run("a.env", "--baseline", "bl.json", "--update")
    assert len(json.loads((plain_dir / "bl.json").read_text())["entries"]) == 2


def test_a_missing_or_broken_baseline_is_exit_2(plain_dir: Path) -> None:
    (plain_dir / "a.txt").write_text("x\n")
    code, _, err = cli_run(".", "--baseline", "nope.json")
    assert code == 2 and "--update" in err
    (plain_dir / "bad.json").write_text("{not json")
    code, _, err = cli_run(".", "--baseline", "bad.json")
    assert code == 2 and "bad.json:1: not JSON" in err


def test_configured_exclusions_and_disabled_rules(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "fixtures").mkdir()
    (plain_dir / "fixtures" / "keys.env").write_text(f"GITHUB_TOKEN={fake.github()}\n")
    (plain_dir / "app.js").write_text(f'const key = "AIza{fake.s(35)}";\n')
    (plain_dir / ".auditwarden-secrets.yaml").write_text(
        "exclude_paths: [fixtures/]\ndisabled_rules: [secrets.gcp.api_key]\n")
    code, out, err = cli_run(".")
    assert (code, out) == (0, "") and "1 excluded by configuration" in err


def test_settings_from_the_secrets_section_of_auditwarden_yaml(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "vendor").mkdir()
    (plain_dir / "vendor" / "k.env").write_text(f"GITHUB_TOKEN={fake.github()}\n")
    (plain_dir / "auditwarden.yaml").write_text("secrets:\n  exclude_paths: ['vendor/**']\n")
    assert cli_run(".")[0] == 0


def test_a_bad_setting_names_file_and_line(plain_dir: Path) -> None:
    (plain_dir / ".auditwarden-secrets.yaml").write_text("exclude_paths: [a]\nmax_file_bytes: lots\n")
    code, _, err = cli_run(".")
    assert code == 2 and ".auditwarden-secrets.yaml:2: max_file_bytes must be an integer" in err
