"""`scan --respond` keeps its audit trail and hourly cap where `respond`, `revoke` and `undo` look for them,
whatever the scan's own options (a parallel scan without --state runs on a scratch state file)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.respond.ledger import CAP_KEY
from scanner.state.sqlite import SqliteStore
from tests.respond.conftest import OWN_ACCOUNT, key_status
from tests.respond.test_request_text import CONFIG, put_image


def test_parallel_scan_keeps_the_ledger_outside_its_scratch_state(
        tmp_path: Path, make_user: Callable[[str], str], iam: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    alice = make_user("alice")
    ident = {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001", "arn": f"arn:aws:iam::{OWN_ACCOUNT}:user/alice",
             "accountId": OWN_ACCOUNT, "accessKeyId": alice, "userName": "alice"}
    trails = tmp_path / "trails"
    trails.mkdir()
    for n in (1, 2):  # two files: --jobs 2 really runs in parallel
        (trails / f"t{n}.json").write_text(json.dumps({"Records": [put_image(n, ident)]}))
    config = tmp_path / "auditwarden.yaml"
    config.write_text(CONFIG)
    ledger = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("AUDITWARDEN_STATE", str(ledger))
    r = CliRunner().invoke(cli, ["scan", str(trails), "--config", str(config), "--respond", "--jobs", "2"])
    assert r.exit_code == 1, r.stderr
    acted = [f["response"] for f in map(orjson.loads, r.stdout.splitlines()) if f["response"]]
    assert {a["status"] for a in acted} >= {"executed"}
    assert key_status(iam, "alice", alice) == "Inactive"
    aid = next(a["action_id"] for a in acted if a["status"] == "executed")
    store = SqliteStore(str(ledger))  # the cap slot and the trail outlive the scan ...
    assert [a for _, a in store.get(CAP_KEY, time.time())] == [aid]
    store.close()
    u = CliRunner().invoke(cli, ["undo", aid, "--config", str(config)])  # ... so undo finds the action
    assert u.exit_code == 0, u.output
    assert key_status(iam, "alice", alice) == "Active"


def test_every_long_lived_key_folded_into_one_finding_is_acted_on(
        tmp_path: Path, iam: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two deploys by the same user to the same repository within the hour fold into one finding. The
    second key must not escape because only the earliest event's key sits at evidence.access_key_id."""
    iam.create_user(UserName="alice")
    first = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    second = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]

    def deploy(n: int, key: str) -> dict[str, Any]:
        ident = {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001", "accountId": OWN_ACCOUNT,
                 "arn": f"arn:aws:iam::{OWN_ACCOUNT}:user/alice", "accessKeyId": key, "userName": "alice"}
        repo = f"arn:aws:ecr:us-east-1:{OWN_ACCOUNT}:repository/app-1"
        return put_image(n, ident, requestParameters={"repositoryName": "app-1", "imageTag": f"t{n}",
                                                      "registryId": OWN_ACCOUNT},
                         resources=[{"accountId": OWN_ACCOUNT, "ARN": repo}])

    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [deploy(1, first), deploy(2, second)]}))
    config = tmp_path / "auditwarden.yaml"
    config.write_text(CONFIG)
    r = CliRunner().invoke(cli, ["scan", str(trail), "--config", str(config), "--respond",
                                 "--state", str(tmp_path / "state.sqlite")])
    assert r.exit_code == 1, r.stderr
    (finding,) = [f for f in map(orjson.loads, r.stdout.splitlines()) if f["response"]]
    assert finding["count"] == 2
    assert key_status(iam, "alice", first) == key_status(iam, "alice", second) == "Inactive"
