"""Big scans run on several worker processes and find exactly what one process finds, in the same
order; small ones (a commit's worth) never start a worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.parallel import scan_all
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import BlobResult, SecretScanner
from tests.secrets.conftest import Fake, cli_run


@pytest.fixture
def tree(plain_dir: Path, fake: Fake) -> Path:
    for i in range(24):
        lines = [f"x_{j} = compute({j})" for j in range(200)]
        if i % 3 == 0:
            lines[50] = f"AWS_ACCESS_KEY_ID={fake.aws_key_id()}"
            lines[52] = f"AWS_SECRET_ACCESS_KEY={fake.aws_secret()}"
        if i % 4 == 1:
            lines[120] = f"token: {fake.github()}"
        (plain_dir / f"m{i:02d}.env").write_text("\n".join(lines) + "\n")
    return plain_dir


def test_workers_find_what_one_process_finds(tree: Path) -> None:
    (tree / ".auditwarden-secrets.yaml").write_text("parallel_min_bytes: 1000\n")
    one = cli_run(".", "--format", "jsonl", "--jobs", "1")
    two = cli_run(".", "--format", "jsonl", "--jobs", "2")

    def timeless(out: str) -> list[dict[str, object]]:
        # a finding's time is when the scan saw it: two runs a minute apart differ there, nowhere else
        return [{k: v for k, v in json.loads(line).items() if k != "time"} for line in out.splitlines()]

    assert one[0] == two[0] == 1 and timeless(one[1]) == timeless(two[1])
    assert len(one[1].splitlines()) == 8 + 6
    assert [json.loads(line)["location"]["path"] for line in two[1].splitlines()][:2] == ["m00.env", "m01.env"]


def test_results_come_back_in_order_with_the_blob_they_belong_to(fake: Fake) -> None:
    scanner = SecretScanner(load_pack(), dict(ENGINES))
    blobs = [Blob(f"f{i}", f"x = {i}\n" * 50 + (f"token: {fake.github()}\n" if i % 5 == 0 else "")) for i in range(40)]
    out = list(scan_all(scanner, blobs, jobs=2, min_bytes=100, round_bytes=2000))
    assert [b.path for b, _ in out] == [b.path for b in blobs]
    assert [bool(r.hits) for _, r in out] == [i % 5 == 0 for i in range(40)]
    assert all(r.hits[0].spec.id == "secrets.github.token" for _, r in out if r.hits)


class Recording(SecretScanner):
    """Notes each blob it scans in this process (a worker's notes stay in the worker)."""

    seen: list[str]

    def scan(self, blob: Blob) -> BlobResult:
        self.seen.append(blob.path)
        return super().scan(blob)


@pytest.mark.parametrize(("min_bytes", "in_process"), [(10_000, True), (100, False)])
def test_only_a_big_scan_starts_workers(min_bytes: int, in_process: bool) -> None:
    scanner = Recording(load_pack(), dict(ENGINES))
    scanner.seen = []
    blobs = [Blob(f"f{i}", "x = 1\n" * 100) for i in range(6)]
    assert len(list(scan_all(scanner, blobs, jobs=2, min_bytes=min_bytes, round_bytes=1000))) == 6
    if in_process:
        assert scanner.seen == [b.path for b in blobs]
    else:  # this process scans its own share of each round, a forked worker the other
        assert 0 < len(scanner.seen) < len(blobs)


def test_a_failing_worker_is_an_error_not_a_silent_gap() -> None:
    class Failing(SecretScanner):
        def scan(self, blob: Blob) -> BlobResult:
            if blob.path == "f5":
                raise ValueError("boom")
            return super().scan(blob)

    scanner = Failing(load_pack(), dict(ENGINES))
    blobs = [Blob(f"f{i}", "x = 1\n" * 100) for i in range(6)]
    with pytest.raises(Exception, match="boom"):
        list(scan_all(scanner, blobs, jobs=3, min_bytes=100, round_bytes=10_000))


def test_workers_read_their_own_files_and_count_what_one_process_counts(plain_dir: Path, fake: Fake) -> None:
    """Workers get file names, not texts: what they read (UTF-16, windows of a big file with a key pair
    across a cut, binaries, what is too large) must be found and counted as one process does."""
    (plain_dir / ".auditwarden-secrets.yaml").write_text(
        "parallel_min_bytes: 1000\nmax_file_bytes: 4096\nmax_scan_bytes: 200000\n")
    kid, sec = fake.aws_key_id(), fake.aws_secret()
    filler = "".join(f"# line {i}\n" for i in range(370))  # about 4 KiB: the pair straddles the first cut
    (plain_dir / "big.env").write_text(filler + f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\n" + filler)
    (plain_dir / "notes.txt").write_text(f"token: {fake.github()}\n", encoding="utf-16")
    (plain_dir / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 8)
    (plain_dir / "huge.log").write_text("x = 1\n" * 40000)
    for i in range(12):
        (plain_dir / f"m{i:02d}.py").write_text(f"x_{i} = compute({i})\n" * 150)
    one = cli_run(".", "--format", "jsonl", "--jobs", "1")
    two = cli_run(".", "--format", "jsonl", "--jobs", "2")

    def summary(err: str) -> list[str]:  # the seconds differ, nothing else
        return [line.rsplit(", ", 1)[0] if line.startswith("auditwarden") else line for line in err.splitlines()]

    def where(out: str) -> list[tuple[str, object, object]]:
        return [(f["rule"], f["location"]["path"], f["location"]["line"]) for f in map(json.loads, out.splitlines())]

    assert one[0] == two[0] == 1
    assert where(two[1]) == where(one[1]) == [("secrets.aws.access_key", "big.env", 371),
                                              ("secrets.github.token", "notes.txt", 1)]
    assert summary(two[2]) == summary(one[2])
    assert "15 file(s)" in one[2] and "1 binary" in one[2] and "huge.log" in one[2] and "big.env" in one[2]
