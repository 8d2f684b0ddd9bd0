"""The pre-commit hook end to end: `git commit` with the hook of .pre-commit-hooks.yaml installed blocks
a commit that stages an AWS key pair and lets a clean one through.

The hook runs as a `repo: local` hook built from our .pre-commit-hooks.yaml (same id, entry, filename
passing), pointed at the installed console script: `pre-commit try-repo` would clone this repository
and pip-install it from PyPI, which a test must not depend on (the benchmark runs that path once).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.secrets.conftest import Fake, git

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
AUDITWARDEN = Path(sys.executable).parent / "auditwarden"


def test_the_hook_definition() -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "auditwarden-secrets" and hook["language"] == "python"
    assert hook["pass_filenames"] is False and hook["entry"] == "auditwarden secrets --staged"


@pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (pip install -e '.[dev]')")
def test_commit_blocked_with_a_staged_key_pair_and_clean_commit_passes(tmp_path: Path, fake: Fake) -> None:
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    local = {**hook, "language": "system", "entry": hook["entry"].replace("auditwarden", str(AUDITWARDEN), 1)}
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    assert PRE_COMMIT is not None
    subprocess.run([PRE_COMMIT, "install"], cwd=repo, env=env, check=True, capture_output=True)

    def commit(msg: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "commit", "-m", msg], cwd=repo, env=env, capture_output=True, text=True)

    (repo / "README.md").write_text("# app\n")
    git(repo, "add", ".")
    ok = commit("clean")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "auditwarden secrets" in ok.stdout + ok.stderr and "Passed" in ok.stdout + ok.stderr

    secret = fake.aws_secret()
    (repo / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={fake.aws_key_id()}\nAWS_SECRET_ACCESS_KEY={secret}\n")
    git(repo, "add", "deploy.env")
    blocked = commit("add deploy settings")
    assert blocked.returncode != 0
    said = blocked.stdout + blocked.stderr
    assert "Failed" in said and "secrets.aws.access_key" in said
    assert secret not in blocked.stdout + blocked.stderr
    assert git(repo, "log", "--oneline").count("\n") == 1  # the second commit did not happen
