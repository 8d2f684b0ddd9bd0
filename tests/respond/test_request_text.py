"""A key ID that only appears in attacker-controlled request text never triggers a revocation.

End to end: CloudTrail records go through `auditwarden scan --respond` with response enforced, against
a moto account where the named key really exists. The attacker writes a victim's key ID into request
parameters, the user agent and (through a failing call) the error message of deploys that do produce
findings. Only the key a caller actually authenticated with (`userIdentity.accessKeyId`) may be acted on.
"""

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

CONFIG = f"""
deploy_policy:
  - name: images
    cloud: aws
    accounts: ["{OWN_ACCOUNT}"]
    resources: ["arn:aws:ecr:*:{OWN_ACCOUNT}:repository/app*"]
    allow:
      - principal: "arn:aws:iam::{OWN_ACCOUNT}:role/gha-deploy"
response:
  mode: enforce
  min_severity: low          # only the evidence rule is under test here
  max_actions_per_hour: 10
"""
REPO = f"arn:aws:ecr:us-east-1:{OWN_ACCOUNT}:repository/app-"


def put_image(n: int, identity: dict[str, Any], **extra: Any) -> dict[str, Any]:
    rec = {"eventVersion": "1.09", "userIdentity": identity, "eventTime": f"2026-11-30T10:0{n}:00Z",
           "eventSource": "ecr.amazonaws.com", "eventName": "PutImage", "awsRegion": "us-east-1",
           "sourceIPAddress": "203.0.113.77", "userAgent": "docker/24.0.7",
           "requestParameters": {"repositoryName": f"app-{n}", "imageTag": f"t{n}", "registryId": OWN_ACCOUNT},
           "responseElements": None, "requestID": f"req-{n}", "eventID": f"evt-{n}", "readOnly": False,
           "eventType": "AwsApiCall", "managementEvent": True, "recipientAccountId": OWN_ACCOUNT,
           # one repository each: aggregation must not fold the records (each finding keeps its own text)
           "resources": [{"accountId": OWN_ACCOUNT, "ARN": f"{REPO}{n}"}]}
    rec.update(extra)
    return rec


def intruder_role() -> dict[str, Any]:
    return {"type": "AssumedRole", "principalId": "AROAEXAMPLEINTRUDER1:s",
            "arn": f"arn:aws:sts::{OWN_ACCOUNT}:assumed-role/intruder/s", "accountId": OWN_ACCOUNT,
            "accessKeyId": "ASIAEXAMPLETEMPKEY01",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLEINTRUDER1",
                                                 "arn": f"arn:aws:iam::{OWN_ACCOUNT}:role/intruder",
                                                 "accountId": OWN_ACCOUNT, "userName": "intruder"}}}


def test_key_ids_in_request_text_are_ignored(tmp_path: Path, make_user: Callable[[str], str], iam: Any,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    victim = make_user("victim")
    alice = make_user("alice")
    records = [
        put_image(1, intruder_role(), requestParameters={"repositoryName": "app-1", "imageTag": victim,
                                                         "accessKeyId": victim, "registryId": OWN_ACCOUNT}),
        put_image(2, intruder_role(), userAgent=f"aws-cli/2.15 {victim}"),
        put_image(3, intruder_role(), errorCode="AccessDenied",
                  errorMessage=f"The security token included in the request is invalid: {victim}"),
        # CreateAccessKey for another user (a finding of its own) naming the victim's key in its response
        {**put_image(4, intruder_role()), "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
         "requestParameters": {"userName": "victim"},
         "responseElements": {"accessKey": {"accessKeyId": victim, "status": "Active", "userName": "victim"}}},
        # The control: alice deploys with her own long-lived key. That key may be acted on.
        put_image(5, {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE0001",
                      "arn": f"arn:aws:iam::{OWN_ACCOUNT}:user/alice", "accountId": OWN_ACCOUNT,
                      "accessKeyId": alice, "userName": "alice"}),
    ]
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": records}))
    config = tmp_path / "auditwarden.yaml"
    config.write_text(CONFIG)
    ledger = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("AUDITWARDEN_STATE", str(ledger))  # no --state: the responder still keeps its trail
    r = CliRunner().invoke(cli, ["scan", str(trail), "--config", str(config), "--respond"])
    assert r.exit_code == 1, r.stderr
    findings = [orjson.loads(line) for line in r.stdout.splitlines()]
    # every attacker record did produce a finding: the gate saw them and declined
    assert {f["event_ids"][0] for f in findings} >= {"evt-1", "evt-2", "evt-3", "evt-4", "evt-5"}
    # and the victim's key ID is right there in what the findings carry (user agent, CreateAccessKey response)
    assert sum(victim in orjson.dumps(f["evidence"]).decode() for f in findings) >= 2
    assert key_status(iam, "victim", victim) == "Active"
    assert key_status(iam, "alice", alice) == "Inactive"
    acted = [f for f in findings if f["response"]]
    assert [(f["event_ids"][0], f["response"]["target"], f["response"]["status"]) for f in acted] == \
        [("evt-5", alice, "executed")]
    assert f'"target":"{victim}"' not in r.stderr  # no decision about the victim's key was even logged
    store = SqliteStore(str(ledger))
    assert [a for _, a in store.get(CAP_KEY, time.time())] == [acted[0]["response"]["action_id"]]
    store.close()
