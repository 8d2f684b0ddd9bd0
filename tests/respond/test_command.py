"""The doors, as a user runs them: `revoke`, `respond` (the CI pipe), `undo`; the cap in separate processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import orjson
from click.testing import CliRunner

from scanner.cli import cli
from scanner.respond.ledger import CAP_KEY
from scanner.state.sqlite import SqliteStore
from tests.respond.conftest import key_status

ENFORCE = "response:\n  mode: enforce\n  max_actions_per_hour: {cap}\n  max_attempts: 2\n"


class Ran:
    def __init__(self, code: int, stdout: bytes, stderr: bytes) -> None:
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def run(*args: str, stdin: bytes | None = None) -> Ran:
    """One command in-process (CliRunner: real argument parsing, stdin, exit codes); separate processes
    are used where they matter, for the cap."""
    r = CliRunner().invoke(cli, list(args), input=stdin)
    return Ran(r.exit_code, r.stdout_bytes, r.stderr_bytes)


def config(tmp_path: Path, cap: int = 10, extra: str = "") -> str:
    path = tmp_path / "auditwarden.yaml"
    path.write_text(ENFORCE.format(cap=cap) + extra)
    return str(path)


def test_hourly_cap_holds_across_processes(tmp_path: Path, make_user: Callable[[str], str], iam: Any) -> None:
    keys = {f"u{i}": make_user(f"u{i}") for i in range(4)}
    cfg, state = config(tmp_path, cap=2), str(tmp_path / "shared.sqlite")
    procs = [subprocess.Popen([sys.executable, "-m", "scanner", "revoke", "aws-key", k, "--execute", "--config", cfg,
                               "--state", state], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
             for k in keys.values()]
    codes = sorted(p.wait(timeout=120) for p in procs)
    errs = [p.stderr.read().decode() for p in procs if p.stderr]
    assert codes == [0, 0, 1, 1], errs
    assert sorted(key_status(iam, u, k) for u, k in keys.items()) == ["Active"] * 2 + ["Inactive"] * 2
    assert sum("max_actions_per_hour (2) reached" in e for e in errs) == 2
    store = SqliteStore(state)
    import time

    assert len(store.get(CAP_KEY, time.time())) == 2
    store.close()


def test_revoke_exit_codes_and_undo(tmp_path: Path, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("ci-deployer")
    state = str(tmp_path / "state.sqlite")
    off = tmp_path / "off.yaml"
    off.write_text("response: {mode: off}\n")
    r = run("revoke", "aws-key", key, "--execute", "--config", str(off), "--state", state)
    assert r.returncode == 1 and b"response.mode is off" in r.stdout
    cfg = config(tmp_path)
    r = run("revoke", "aws-key", key, "--config", cfg, "--state", state)  # no --execute: a dry run
    assert r.returncode == 0 and r.stdout.startswith(b"would_execute")
    assert key_status(iam, "ci-deployer", key) == "Active"
    r = run("revoke", "aws-key", key, "--execute", "--reason", "INC-1234", "--config", cfg, "--state", state)
    assert r.returncode == 0 and r.stdout.startswith(b"executed"), r.stderr
    assert key_status(iam, "ci-deployer", key) == "Inactive"
    line = orjson.loads(r.stderr.splitlines()[-1])
    assert line["msg"] == "response decision" and line["status"] == "executed" and line["target"] == key
    action = line["action_id"]
    nobody = "AKIARZPUZDIKKPWF4IX7"  # auditwarden:allow (moto-shaped key ID of no user)
    r = run("revoke", "aws-key", nobody, "--execute", "--config", cfg, "--state", state)
    assert r.returncode == 1 and b"not ours" in r.stdout
    assert run("undo", "act-doesnotexist", "--config", cfg, "--state", state).returncode == 2
    r = run("undo", action, "--config", cfg, "--state", state)
    assert r.returncode == 0 and key_status(iam, "ci-deployer", key) == "Active", r.stderr


def test_ci_pipe_secrets_into_respond(tmp_path: Path, iam: Any) -> None:
    iam.create_user(UserName="ci-bot")
    created = iam.create_access_key(UserName="ci-bot")["AccessKey"]
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={created['AccessKeyId']}\n"
                                     f"AWS_SECRET_ACCESS_KEY={created['SecretAccessKey']}\n")
    found = run("secrets", str(repo), "--format", "jsonl")
    assert found.returncode == 1, found.stderr
    cfg = config(tmp_path)
    r = run("respond", "-", "--execute", "--config", cfg, "--state", str(tmp_path / "s.sqlite"), stdin=found.stdout)
    assert r.returncode == 0, r.stderr
    (f,) = [orjson.loads(x) for x in r.stdout.splitlines()]
    assert f["rule"] == "secrets.aws.access_key" and f["response"]["status"] == "executed"
    assert created["SecretAccessKey"] not in r.stdout.decode() + r.stderr.decode()
    assert key_status(iam, "ci-bot", created["AccessKeyId"]) == "Inactive"
    # run again (a re-run CI job): a no-op, not a second action
    again = run("respond", "-", "--execute", "--config", cfg, "--state", str(tmp_path / "s.sqlite"),
                stdin=found.stdout)
    assert again.returncode == 0 and orjson.loads(again.stdout)["response"]["status"] == "already_done"


def test_respond_counts_malformed_lines(tmp_path: Path, aws_endpoint: str) -> None:
    r = run("respond", "-", "--config", config(tmp_path), "--state", str(tmp_path / "s.sqlite"),
            stdin=b'{"id": "x"}\nnot json\n\x1b[31m\n')
    assert r.returncode == 2
    summary = orjson.loads(r.stderr.splitlines()[-1])
    assert summary["malformed"] == 3 and summary["findings"] == 0
    assert boto3.client("iam").list_users()["Users"] == []
    assert run("respond", str(tmp_path / "missing.jsonl"), "--config", config(tmp_path),
               "--state", str(tmp_path / "s.sqlite")).returncode == 2


def test_an_undo_that_cannot_reach_the_cloud_is_recorded(tmp_path: Path, monkeypatch: Any) -> None:
    """Every decision is in the audit trail, a failed undo too: here the GCP client has no credentials."""
    import time

    from scanner.respond.ledger import Ledger, action_id
    from scanner.respond.model import GCP_KEY, Request

    name = "projects/acme-prod/serviceAccounts/ci@acme-prod.iam.gserviceaccount.com/keys/0123456789abcdef0123"
    state = str(tmp_path / "state.sqlite")
    store = SqliteStore(state)
    aid = action_id(GCP_KEY, name)
    Ledger(store).record(aid, Request(GCP_KEY, name, "manual"), time.time(), status="executed", mode="enforce",
                         reason="manual", account="acme-prod", owner="ci@acme-prod.iam.gserviceaccount.com",
                         undo={"name": name})
    store.close()
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "absent.json"))
    r = run("undo", aid, "--state", state, "--config", config(tmp_path))
    assert r.returncode == 2
    store = SqliteStore(state)
    last = store.get(f"respond:action:{aid}", time.time())["history"][-1]
    store.close()
    assert last["status"] == "failed" and "DefaultCredentialsError" in last["reason"], last
