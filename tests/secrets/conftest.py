"""Helpers for the secret-scanner tests.

Credentials are assembled at run time from a seeded generator, so that these test files hold no
credential a scanner (ours included) would flag: the repository's own hook must pass on tests/.
"""

from __future__ import annotations

import base64
import json
import os
import random
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli

ALNUM = string.ascii_letters + string.digits
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CORPUS = FIXTURES / "local" / "secrets" / "corpus"
LABELS = FIXTURES / "local" / "secrets" / "labels.yaml"
GITLEAKS_CASES = FIXTURES / "secrets" / "gitleaks-rule-cases.jsonl"
SARIF_SCHEMA = FIXTURES / "schemas" / "sarif-schema-2.1.0.json"


class Fake:
    """Credentials in each vendor's documented shape, random and used nowhere."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)

    def s(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def aws_key_id(self, account: int = 123456789012, prefix: str = "AK" + "IA") -> str:
        bits = (1 << 79) | (account << 39) | self.rng.getrandbits(39)
        return prefix + "".join(B32[(bits >> (5 * (15 - i))) & 31] for i in range(16))

    def aws_secret(self) -> str:
        while True:
            v = self.s(40, ALNUM + "/+")
            if any(c.isdigit() for c in v) and any(c.isupper() for c in v) and any(c.islower() for c in v):
                return v

    def github(self) -> str:
        return "gh" + "p_" + self.s(36)

    def slack_bot(self) -> str:
        return "xo" + f"xb-{self.s(12, string.digits)}-{self.s(13, string.digits)}-{self.s(24)}"

    def stripe(self) -> str:
        return "sk" + "_live_" + self.s(40)

    def session_token(self) -> str:
        return "IQoJb3JpZ2lu" + self.s(300, ALNUM + "/+")

    def pem_body(self, n: int = 1200) -> str:
        return "MIIE" + base64.b64encode(self.rng.randbytes(n * 3 // 4)).decode()[: n - 4]

    def pem(self, kind: str = "RSA ") -> str:
        body = self.pem_body()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return f"-----BEGIN {kind}PRIVATE KEY-----\n" + "\n".join(lines) + f"\n-----END {kind}PRIVATE KEY-----\n"

    def gcp_sa(self, project: str = "acme-prod-4711", name: str = "deployer") -> dict[str, str]:
        return {
            "type": "service_account",
            "project_id": project,
            "private_key_id": self.s(40, "0123456789abcdef"),
            "private_key": self.pem(""),
            "client_email": f"{name}@{project}.iam.gserviceaccount.com",
            "client_id": self.s(21, string.digits),
            "token_uri": "https://oauth2.googleapis.com/token",
        }

    def gcp_sa_json(self, **kw: str) -> str:
        return json.dumps(self.gcp_sa(**kw), indent=2)


@pytest.fixture
def fake() -> Fake:
    return Fake()


def cli_run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, ["secrets", *args])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty git repository, made the current directory."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    monkeypatch.chdir(r)
    yield r


@pytest.fixture
def plain_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory outside any repository, made the current directory."""
    d = tmp_path / "plain"
    d.mkdir()
    monkeypatch.chdir(d)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    return d
