"""--since scans each run of added lines on its own: pairing windows, next-line markers and multi-line
keys never reach across a hunk gap, and line numbers are those of the new file."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.secrets.conftest import Fake, cli_run, git


def _jsonl(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def _commit_all(repo: Path, msg: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", msg)
    return git(repo, "rev-parse", "HEAD").strip()


def _filler(n: int) -> list[str]:
    return [f"setting_{i} = value {i}" for i in range(1, n + 1)]


def test_a_key_id_and_a_secret_in_far_apart_hunks_are_not_a_pair(repo: Path, fake: Fake) -> None:
    lines = _filler(60)
    (repo / "app.cfg").write_text("\n".join(lines) + "\n")
    base = _commit_all(repo, "base")
    key_id = fake.aws_key_id()
    lines[4] = f"aws_access_key_id = {key_id}"  # line 5
    lines[49] = f"build_checksum = {fake.aws_secret()}"  # line 50: 45 lines away, another hunk
    (repo / "app.cfg").write_text("\n".join(lines) + "\n")
    _commit_all(repo, "edit")
    code, out, err = cli_run("--since", base, "--format", "jsonl")
    assert code == 1, err
    [f] = _jsonl(out)
    assert f["location"] == {"path": "app.cfg", "line": 5}
    assert f["evidence"]["paired"] is False and f["severity"] == "medium"  # type: ignore[index]
    # The same two lines next to each other in one hunk are a pair (line numbers of the new file).
    lines[4], lines[49] = "setting_5 = value 5", "setting_50 = value 50"
    lines[30:32] = [f"aws_access_key_id = {key_id}", f"build_checksum = {fake.aws_secret()}"]
    (repo / "app.cfg").write_text("\n".join(lines) + "\n")
    mid = _commit_all(repo, "pair")
    [f] = _jsonl(cli_run("--since", mid + "~1", "--format", "jsonl")[1])
    assert f["location"] == {"path": "app.cfg", "line": 31, "end_line": 32, "lines": [31, 32]}  # type: ignore[index]
    assert f["evidence"]["paired"] is True  # type: ignore[index]


def test_a_next_line_marker_in_another_hunk_does_not_silence_a_secret(repo: Path, fake: Fake) -> None:
    lines = _filler(60)
    (repo / "app.py").write_text("\n".join(lines) + "\n")
    base = _commit_all(repo, "base")
    lines[9] = "# pragma: allowlist nextline secret"  # line 10, directly above line 11
    lines[39] = f"token = '{fake.github()}'"  # line 40: the marker does not reach it
    (repo / "app.py").write_text("\n".join(lines) + "\n")
    _commit_all(repo, "edit")
    code, out, err = cli_run("--since", base, "--format", "jsonl")
    assert code == 1, err
    [f] = _jsonl(out)
    assert f["location"] == {"path": "app.py", "line": 40}


def test_a_next_line_marker_on_the_unchanged_line_above_an_added_secret_applies(repo: Path, fake: Fake) -> None:
    lines = _filler(30)
    lines[19] = "# pragma: allowlist nextline secret"  # line 20, committed before REV
    (repo / "app.py").write_text("\n".join(lines) + "\n")
    base = _commit_all(repo, "base")
    lines[20] = f"token = '{fake.github()}'"  # line 21: only this line is added
    (repo / "app.py").write_text("\n".join(lines) + "\n")
    _commit_all(repo, "edit")
    code, out, err = cli_run("--since", base, "--format", "jsonl")
    assert (code, out) == (0, ""), err
    assert "suppressed: 1 inline" in err


def test_a_private_key_whose_body_was_replaced_inside_unchanged_armour_is_found(repo: Path, fake: Fake) -> None:
    head = ["# deploy key", "key: |"]
    (repo / "deploy.yaml").write_text("\n".join(head) + "\n" + fake.pem())
    base = _commit_all(repo, "old key")
    # A new key of the same kind: BEGIN and END lines are unchanged, so the diff adds body lines only.
    (repo / "deploy.yaml").write_text("\n".join(head) + "\n" + fake.pem())
    _commit_all(repo, "rotate key")
    code, out, err = cli_run("--since", base, "--format", "jsonl")
    assert code == 1, err
    [f] = _jsonl(out)
    assert f["rule"] == "secrets.private_key" and f["location"] == {"path": "deploy.yaml", "line": 4}


def test_armour_lines_alone_are_not_a_private_key(repo: Path, fake: Fake) -> None:
    (repo / "deploy.pem").write_text(fake.pem("RSA "))
    base = _commit_all(repo, "key")
    # Relabelling the armour adds two lines, no key material: nothing to report for this range.
    (repo / "deploy.pem").write_text(
        (repo / "deploy.pem").read_text().replace("RSA PRIVATE KEY", "PRIVATE KEY"))
    _commit_all(repo, "relabel")
    code, out, err = cli_run("--since", base)
    assert (code, out) == (0, ""), err


def test_a_private_key_is_not_assembled_from_unrelated_hunks(repo: Path, fake: Fake) -> None:
    lines = _filler(80)
    lines[2:5] = ["-----BEGIN RSA PRIVATE KEY-----", "<your key here>", "-----END RSA PRIVATE KEY-----"]
    (repo / "README.md").write_text("\n".join(lines) + "\n")
    base = _commit_all(repo, "docs")
    data = base64.b64encode(fake.rng.randbytes(900)).decode()
    lines[2] = "-----BEGIN PRIVATE KEY-----"  # hunk at line 3 (line 5 still ends an RSA block)
    lines[40] = data  # an unrelated base64 blob (an image, say): hunk at line 41
    lines[60] = "-----END PRIVATE KEY-----"  # hunk at line 61: joined, the three framed a "key"
    (repo / "README.md").write_text("\n".join(lines) + "\n")
    _commit_all(repo, "edit")
    code, out, err = cli_run("--since", base, "--format", "jsonl")
    assert (code, out) == (0, ""), err


def test_since_an_unknown_revision_names_it(repo: Path) -> None:
    (repo / "a").write_text("x\n")
    _commit_all(repo, "0")
    code, out, err = cli_run("--since", "no-such-ref")
    assert code == 2 and out == ""
    assert "no-such-ref" in err and "Traceback" not in err
