"""What gets scanned: the index for --staged, added lines for --since, the work tree (honouring
.gitignore) by default, paths outside repositories; binaries and large files are skipped and said so."""

from __future__ import annotations

import json
from pathlib import Path

from tests.secrets.conftest import Fake, cli_run, git


def _pair(fake: Fake) -> str:
    return f"aws_access_key_id = {fake.aws_key_id()}\naws_secret_access_key = {fake.aws_secret()}\n"


def _jsonl(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_staged_scans_the_index_not_the_work_tree(repo: Path, fake: Fake) -> None:
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "init")
    (repo / "creds.ini").write_text("[prod]\n" + _pair(fake))
    git(repo, "add", "creds.ini")
    (repo / "creds.ini").write_text("[prod]\nremoved from the work tree, still staged\n")
    code, out, err = cli_run("--staged", "--format", "jsonl")
    assert code == 1, err
    [f] = _jsonl(out)
    assert f["location"] == {"path": "creds.ini", "line": 2, "end_line": 3, "lines": [2, 3]}
    assert f["rule"] == "secrets.aws.access_key"
    assert "(staged): 1 file(s)" in err


def test_staged_clean_file_with_a_dirty_work_tree_passes(repo: Path, fake: Fake) -> None:
    (repo / "app.py").write_text("print('hi')\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text(f"TOKEN = '{fake.github()}'\n")  # not staged
    (repo / "untracked.env").write_text(_pair(fake))  # not staged either
    code, out, err = cli_run("--staged")
    assert (code, out) == (0, ""), err
    # The default (work tree) scan does see both.
    assert cli_run()[0] == 1


def test_staged_before_the_first_commit_and_with_nothing_staged(repo: Path, fake: Fake) -> None:
    assert cli_run("--staged")[0] == 0
    (repo / "k.env").write_text(_pair(fake))
    git(repo, "add", "k.env")
    assert cli_run("--staged")[0] == 1


def test_since_scans_added_lines_with_their_line_numbers(repo: Path, fake: Fake) -> None:
    old = fake.stripe()
    (repo / "app.cfg").write_text(f"name = app\nstripe_key = {old}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")  # a secret before REV: not in range
    base = git(repo, "rev-parse", "HEAD").strip()
    lines = [f"line {i}" for i in range(1, 41)]
    tok = fake.github()
    lines[29] = f"token = '{tok}'"  # line 30 of the new file
    (repo / "src.py").write_text("\n".join(lines) + "\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "add src")
    added = git(repo, "rev-parse", "HEAD").strip()
    (repo / "src.py").write_text("\n".join(lines[:29] + lines[30:]) + "\n")  # removed again later
    git(repo, "commit", "-qam", "remove the token")
    code, out, err = cli_run("--since", base, "--format", "jsonl")
    assert code == 1, err
    [f] = _jsonl(out)
    assert f["location"] == {"path": "src.py", "line": 30} and f["rule"] == "secrets.github.token"
    assert f["evidence"]["commit"] == added  # type: ignore[index]
    assert "from 2 commit(s)" in err
    assert cli_run("--since", added)[0] == 0  # the removal adds nothing


def test_since_reports_a_secret_once_for_its_oldest_commit(repo: Path, fake: Fake) -> None:
    (repo / "a").write_text("x\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "0")
    base = git(repo, "rev-parse", "HEAD").strip()
    tok = fake.slack_bot()
    for i in range(3):
        (repo / "a").write_text(f"x\nSLACK_TOKEN={tok}\n# edit {i}\n")
        git(repo, "commit", "-qam", str(i))
    code, out, _ = cli_run("--since", base, "--format", "jsonl")
    assert code == 1 and len(_jsonl(out)) == 1


def test_since_with_a_bad_revision_is_a_usage_error(repo: Path) -> None:
    (repo / "a").write_text("x\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "0")
    code, out, err = cli_run("--since", "no-such-ref")
    assert code == 2 and out == "" and "git:" in err and "Traceback" not in err
    assert cli_run("--since", "--output=x")[0] == 2


def test_worktree_honours_gitignore(repo: Path, fake: Fake) -> None:
    (repo / ".gitignore").write_text("local/\n*.secret\n")
    (repo / "local").mkdir()
    (repo / "local" / "a.env").write_text(_pair(fake))
    (repo / "b.secret").write_text(_pair(fake))
    (repo / "sub").mkdir()
    (repo / "sub" / "c.py").write_text(f"token = '{fake.github()}'\n")
    code, out, _ = cli_run("--format", "jsonl")
    assert code == 1
    assert [f["location"]["path"] for f in _jsonl(out)] == ["sub/c.py"]  # type: ignore[index]
    # A directory argument inside the repository honours it too; a file named explicitly is read.
    assert [f["location"]["path"] for f in _jsonl(cli_run("sub", "local", "--format", "jsonl")[1])] == ["sub/c.py"]  # type: ignore[index]
    assert cli_run("b.secret")[0] == 1


def test_binaries_are_skipped_and_large_files_read_in_parts_and_said_so(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "blob.bin").write_bytes(b"\x00\x01\x02\x03" * 64 + _pair(fake).encode())
    (plain_dir / "big.txt").write_text(_pair(fake) + "x" * 3_000_000)
    (plain_dir / "ok.txt").write_text("nothing here\n")
    code, out, err = cli_run(".", "--format", "jsonl")
    assert code == 1 and [f["location"]["path"] for f in _jsonl(out)] == ["big.txt"]  # type: ignore[index]
    assert "1 binary" in err and "read in parts (over 2097152 bytes): big.txt" in err and "2 file(s)" in err


def test_paths_outside_a_repository_are_walked(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "d").mkdir()
    (plain_dir / "d" / "x.tf").write_text(f'provider "aws" {{\n  access_key = "{fake.aws_key_id()}"\n'
                                          f'  secret_key = "{fake.aws_secret()}"\n}}\n')
    code, out, _ = cli_run("d", "--format", "jsonl")
    assert code == 1 and _jsonl(out)[0]["location"] == {"path": "d/x.tf", "line": 2, "end_line": 3, "lines": [2, 3]}


def test_nothing_readable_is_exit_2(plain_dir: Path) -> None:
    code, out, err = cli_run("no/such/file")
    assert code == 2 and out == "" and "no such file or directory" in err


def test_staged_outside_a_repository_is_exit_2(plain_dir: Path) -> None:
    code, _, err = cli_run("--staged")
    assert code == 2 and "needs a git work tree" in err


def test_flag_combinations_are_usage_errors(repo: Path) -> None:
    assert cli_run("--staged", "--since", "HEAD")[0] == 2
    assert cli_run("--staged", "somefile")[0] == 2
    assert cli_run("--update")[0] == 2


def test_since_names_a_file_whose_name_holds_a_space_exactly(repo: Path, fake: Fake) -> None:
    # git ends "+++ b/my creds.env" with a TAB when the name holds a space; it is not part of the name.
    (repo / "a").write_text("x\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "0")
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "my creds.env").write_text(_pair(fake))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "1")
    code, out, _ = cli_run("--since", base, "--format", "jsonl")
    assert code == 1
    assert _jsonl(out)[0]["location"] == {"path": "my creds.env", "line": 1, "end_line": 2, "lines": [1, 2]}
    # ... so exclusions and baselines match it as they do in the other modes
    (repo / ".auditwarden-secrets.yaml").write_text("exclude_paths: ['*.env']\n")
    assert cli_run("--since", base)[0] == 0


def test_staged_symlink_turned_into_a_file_is_scanned(repo: Path, fake: Fake) -> None:
    (repo / "target.txt").write_text("nothing\n")
    (repo / "creds.env").symlink_to("target.txt")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "link")
    (repo / "creds.env").unlink()
    (repo / "creds.env").write_text(_pair(fake))
    git(repo, "add", "creds.env")  # a type change (T) in the index
    code, out, err = cli_run("--staged", "--format", "jsonl")
    assert code == 1, err
    assert _jsonl(out)[0]["location"] == {"path": "creds.env", "line": 1, "end_line": 2, "lines": [1, 2]}


def test_a_file_name_that_is_not_utf8_does_not_lose_the_findings(plain_dir: Path, fake: Fake) -> None:
    (plain_dir / "d").mkdir()
    with open(bytes(plain_dir / "d") + b"/k\xff.env", "wb") as fh:
        fh.write(_pair(fake).encode())
    code, out, err = cli_run("d", "--format", "jsonl", "--log-format", "json")
    assert code == 1, err
    assert _jsonl(out)[0]["location"] == {"path": "d/k\ufffd.env", "line": 1, "end_line": 2, "lines": [1, 2]}
    code, out, err = cli_run("d", "--format", "sarif")
    assert code == 1, err
    [result] = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "d/k%EF%BF%BD.env"


def test_an_untracked_repository_inside_the_work_tree_is_scanned(repo: Path, fake: Fake) -> None:
    (repo / "README.md").write_text("hello\n")
    nested = repo / "vendor" / "tool"
    nested.mkdir(parents=True)
    git(nested, "init", "-q")
    (nested / ".gitignore").write_text("*.log\n")
    (nested / "deploy.env").write_text(_pair(fake))
    (nested / "debug.log").write_text(_pair(fake))  # ignored by the nested repository's own .gitignore
    for args in ((), ("vendor",)):
        code, out, err = cli_run(*args, "--format", "jsonl")
        assert code == 1, err
        assert [f["location"]["path"] for f in _jsonl(out)] == ["vendor/tool/deploy.env"]  # type: ignore[index]


def test_a_path_that_gitignore_hides_entirely_is_named_in_the_summary(repo: Path, fake: Fake) -> None:
    (repo / ".gitignore").write_text("local/\n*.secret\n")
    (repo / "local").mkdir()
    (repo / "local" / "a.env").write_text(_pair(fake))
    (repo / "sub").mkdir()
    (repo / "sub" / "ok.py").write_text("print('hi')\n")
    code, out, err = cli_run("local", "sub")
    assert (code, out) == (0, ""), err
    assert "ignored by .gitignore: local" in err and "1 file(s)" in err
    code, _, err = cli_run("local", "--log-format", "json")
    assert code == 0 and json.loads(err)["ignored"] == ["local"]
    # A directory that simply holds nothing is not called ignored.
    (repo / "empty").mkdir()
    assert "ignored" not in cli_run("empty", "sub")[2]


def test_a_file_is_read_whole_whatever_size_the_system_gives_for_it(tmp_path: Path) -> None:
    """Files are read by the size fstat gives: a file whose size the system does not know (/proc) or
    that grew since is still read whole, up to the limit."""
    from scanner.secrets.sources import Collector, SourceStats

    collector = Collector(4096, lambda _key: False, SourceStats())
    small = tmp_path / "small.env"
    small.write_text("x = 1\n" * 10)
    [blob] = collector.file(small, "small.env")
    assert blob.text == "x = 1\n" * 10
    proc = Path("/proc/self/status")
    if proc.exists():  # size 0 in stat, a page of text when read
        [status] = collector.file(proc, "status")
        assert status.text.startswith("Name:") and "\nPid:" in status.text
