"""Text is scanned whatever its size and encoding: UTF-16 (with a BOM, or told by its zero bytes) is
decoded, not skipped as binary; a file over max_file_bytes (a notebook with big outputs) is read in
overlapping windows with its real line numbers; what is still skipped is named."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.secrets.conftest import Fake, cli_run, git


def _findings(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_are_decoded(plain_dir: Path, fake: Fake, encoding: str) -> None:
    # Windows tools (PowerShell's `>`, regedit exports) write UTF-16; "utf-16" adds a BOM, the others do not.
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    text = f"# exported\r\n$env:AWS_ACCESS_KEY_ID = \"{kid}\"\r\n$env:AWS_SECRET_ACCESS_KEY = \"{sec}\"\r\n"
    (plain_dir / "setenv.ps1").write_bytes(text.encode(encoding))
    code, out, err = cli_run(".", "--format", "jsonl")
    [f] = _findings(out)
    assert code == 1 and f["rule"] == "secrets.aws.access_key" and f["location"]["line"] == 2  # type: ignore[index]
    assert "binary" not in err


def test_real_binaries_are_still_binaries(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "blob.bin").write_bytes(bytes(range(256)) * 40 + f"password = {fake.s(20)}!".encode())
    code, _, err = cli_run(".")
    assert code == 0 and "1 binary" in err


def test_a_notebook_over_the_size_limit_is_scanned_with_its_line_numbers(plain_dir: Path, fake: Fake) -> None:
    kid, sec, gh = fake.aws_key_id(), fake.aws_secret(), fake.github()
    (plain_dir / ".auditwarden-secrets.yaml").write_text("max_file_bytes: 262144\n")
    image = base64.b64encode(fake.rng.randbytes(300_000)).decode()
    cells = [
        {"cell_type": "code", "source": ["import boto3\n"], "outputs": [{"data": {"image/png": image}}]},
        {"cell_type": "code", "source": [f"AWS_ACCESS_KEY_ID = '{kid}'\n", f"AWS_SECRET_ACCESS_KEY = '{sec}'\n"],
         "outputs": [{"data": {"image/png": image}}]},
        {"cell_type": "code", "source": [f"token = '{gh}'\n"], "outputs": []},
    ]
    text = json.dumps({"cells": cells, "nbformat": 4}, indent=1)
    (plain_dir / "analysis.ipynb").write_text(text)
    assert len(text) > 3 * 262_144  # several windows
    lines = text.splitlines()
    code, out, err = cli_run(".", "--format", "jsonl")
    assert code == 1
    found = {f["rule"]: f["location"]["line"] for f in _findings(out)}  # type: ignore[index]
    assert found == {"secrets.aws.access_key": next(i for i, s in enumerate(lines, 1) if kid in s),
                     "secrets.github.token": next(i for i, s in enumerate(lines, 1) if gh in s)}
    assert "read in parts (over 262144 bytes): analysis.ipynb" in err


def test_a_key_pair_across_a_window_boundary_is_one_finding(plain_dir: Path, fake: Fake) -> None:
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    (plain_dir / ".auditwarden-secrets.yaml").write_text("max_file_bytes: 4096\n")
    filler = "".join(f"# line {i}\n" for i in range(370))  # about 4 KiB: the pair straddles the first cut
    (plain_dir / "big.env").write_text(filler + f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n" + filler)
    code, out, _ = cli_run(".", "--format", "jsonl")
    [f] = _findings(out)
    assert code == 1
    assert f["location"] == {"path": "big.env", "line": 371, "end_line": 372, "lines": [371, 372]}


def test_what_is_too_large_even_to_stream_is_named(plain_dir: Path) -> None:
    (plain_dir / ".auditwarden-secrets.yaml").write_text("max_file_bytes: 1024\nmax_scan_bytes: 4096\n")
    (plain_dir / "huge.log").write_text("x = 1\n" * 2000)
    code, _, err = cli_run(".")
    assert code == 0 and "huge.log" in err and "over 4096 bytes" in err


def test_since_reads_the_lines_added_to_a_file_over_max_file_bytes(repo: Path, fake: Fake) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "base")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / ".auditwarden-secrets.yaml").write_text("max_file_bytes: 4096\n")
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    (repo / "dump.sql").write_text("".join(f"-- row {i}\n" for i in range(2000)) + f"-- {kid}\n-- {sec}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "dump")
    code, out, _ = cli_run("--since", base, "--format", "jsonl")
    [f] = _findings(out)
    assert code == 1 and f["location"]["lines"] == [2001, 2002]  # type: ignore[index]
