"""A finding whose parts sit on different lines (an AWS key ID and its secret) names every line: the
user must see where the secret half is, in JSON Lines (`end_line`, `lines`) and in SARIF
(`relatedLocations`, which GitHub code scanning shows beside the alert)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.secrets.conftest import SARIF_SCHEMA, Fake, cli_run


def test_a_key_pair_names_both_lines(plain_dir: Path, fake: Fake) -> None:
    kid, sec = fake.aws_key_id(210987654321), fake.aws_secret()
    (plain_dir / "credentials").write_text(f"[prod]\naws_access_key_id = {kid}\nregion = eu-west-1\n"
                                           f"aws_secret_access_key = {sec}\n")
    code, out, _ = cli_run(".", "--format", "jsonl")
    [f] = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert f["location"] == {"path": "credentials", "line": 2, "end_line": 4, "lines": [2, 4]}
    assert f["evidence"]["parts"] == [{"part": "access key ID", "line": 2}, {"part": "secret access key", "line": 4}]


def test_a_secret_above_its_key_id_is_named_too(plain_dir: Path, fake: Fake) -> None:
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    (plain_dir / "env").write_text(f"AWS_SECRET_ACCESS_KEY={sec}\n\nAWS_ACCESS_KEY_ID={kid}\n")
    [f] = [json.loads(line) for line in cli_run(".", "--format", "jsonl")[1].splitlines()]
    assert f["location"]["lines"] == [1, 3] and f["location"]["line"] == 3  # the key ID leads


def test_sarif_carries_the_other_half_as_a_related_location(plain_dir: Path, fake: Fake) -> None:
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    (plain_dir / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={kid}\nREGION=eu-west-1\nAWS_SECRET_ACCESS_KEY={sec}\n")
    code, out, _ = cli_run(".", "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, json.loads(SARIF_SCHEMA.read_text()))
    [r] = doc["runs"][0]["results"]
    assert r["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "endLine": 3}
    [rel] = r["relatedLocations"]
    assert rel["physicalLocation"] == {"artifactLocation": {"uri": "deploy.env"}, "region": {"startLine": 3}}
    assert rel["message"]["text"] == "secret access key"


def test_a_one_line_finding_keeps_the_plain_location(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "t.yml").write_text(f"github: {fake.github()}\n")
    [f] = [json.loads(line) for line in cli_run(".", "--format", "jsonl")[1].splitlines()]
    assert f["location"] == {"path": "t.yml", "line": 1}
