"""AWS responders against a real moto server: state is asserted through the IAM API, not our records."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from scanner.model.finding import Finding
from scanner.respond import model as m
from scanner.respond.aws import QUARANTINE_POLICY, REVOKE_POLICY
from scanner.respond.engine import Responder
from tests.respond.conftest import ENFORCE, OWN_ACCOUNT, key_status

Make = Callable[..., Responder]


def secret_finding(key: str, severity: str = "critical", paired: bool = True) -> Finding:
    """What `auditwarden secrets --format jsonl` reports for a committed key pair (no secret inside)."""
    return Finding(id="f-" + key, rule="secrets.aws.access_key", title="AWS access key pair", severity=severity,
                   category="secret", cloud="git", account="", principal="", action="", resource=key,
                   time="2026-11-30T00:00:00Z",
                   evidence={"access_key_id": key, "paired": paired,
                             "revocation": {"kind": "aws-key", "access_key_id": key, "account_id": OWN_ACCOUNT}})


def test_dry_run_changes_nothing(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder(ENFORCE, execute=False)
    f, (d,) = r.respond(secret_finding(key))
    assert d.status == m.WOULD_EXECUTE and d.owner == f"arn:aws:iam::{OWN_ACCOUNT}:user/ci-deployer"
    assert f.response is not None and f.response.to_dict()["status"] == "would_execute"
    assert key_status(iam, "ci-deployer", key) == "Active"
    # config dry_run wins over --execute: the operator's switch
    d2 = responder(ENFORCE.replace("enforce", "dry_run"), execute=True).handle(
        m.Request(m.AWS_KEY, key, "manual"))
    assert d2.status == m.WOULD_EXECUTE and "dry_run" in d2.reason
    assert key_status(iam, "ci-deployer", key) == "Active"


def test_enforce_deactivates_and_redelivery_is_a_no_op(responder: Make, make_user: Callable[[str], str],
                                                       iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder()
    f, (d,) = r.respond(secret_finding(key))
    assert d.status == m.EXECUTED
    assert key_status(iam, "ci-deployer", key) == "Inactive"
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="ci-deployer")["AccessKeyMetadata"]] == [key]
    assert f.response is not None and f.response.action_id == d.action_id
    _, (again,) = r.respond(secret_finding(key))  # the same finding delivered twice
    assert again.status == m.ALREADY_DONE and again.action_id == d.action_id
    assert r.ledger.used(r.clock()) == 1
    rec = r.ledger.get(d.action_id, r.clock())
    assert rec is not None and [h["status"] for h in rec["history"]] == ["started", "executed", "already_done"]


def test_severity_floor_and_lone_key_ids_do_not_trigger(responder: Make, make_user: Callable[[str], str],
                                                        iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder()
    for f in (secret_finding(key, severity="medium"), secret_finding(key, paired=False)):
        g, decisions = r.respond(f)
        assert decisions == [] and g.response is None
    assert key_status(iam, "ci-deployer", key) == "Active"


def test_protected_principal_refused(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("break-glass-admin")
    r = responder(ENFORCE + '  protected_principals: ["arn:aws:iam::*:user/break-glass*"]\n')
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.REFUSED and "protected principal" in d.reason
    assert key_status(iam, "break-glass-admin", key) == "Active"


README_PROTECTED = '  protected_principals: ["arn:aws:iam::*:role/break-glass*", "arn:aws:iam::*:user/org-admin*"]\n'


def test_protected_principal_with_an_iam_path_is_still_protected(responder: Make, iam: Any) -> None:
    """IAM names are unique whatever the path: a glob naming `role/break-glass*` (the README's example)
    must protect a break-glass role created under /admin/, and `user/org-admin*` an admin under /admins/."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="break-glass", Path="/admin/",
                          AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.create_user(UserName="org-admin-1", Path="/admins/")
    key = iam.create_access_key(UserName="org-admin-1")["AccessKey"]["AccessKeyId"]
    r = responder(ENFORCE + README_PROTECTED)
    for target in (arn, f"arn:aws:iam::{OWN_ACCOUNT}:role/break-glass",
                   f"arn:aws:iam::{OWN_ACCOUNT}:role/x/break-glass"):
        d = r.handle(m.Request(m.AWS_ROLE_SESSIONS, target, "manual"))
        assert d.status == m.REFUSED and "protected principal" in d.reason, (target, d)
    assert iam.list_role_policies(RoleName="break-glass")["PolicyNames"] == []
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.REFUSED and "protected principal" in d.reason
    assert key_status(iam, "org-admin-1", key) == "Active"


def test_unknown_key_is_not_ours(responder: Make, make_user: Callable[[str], str]) -> None:
    make_user("someone")
    nobody = "AKIARZPUZDIKKPWF4IX7"  # auditwarden:allow (moto-shaped key ID of no user)
    d = responder().handle(m.Request(m.AWS_KEY, nobody, "manual"))
    assert d.status == m.REFUSED and d.reason.startswith("not ours")


def test_mode_off_makes_no_call(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder("response: {mode: off}\n")
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.REFUSED and d.reason == "response.mode is off"
    assert r.clients.actors == {}  # no client was even built
    assert key_status(iam, "ci-deployer", key) == "Active"


def test_cap_refuses_beyond_the_hour_budget(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    keys = [make_user(f"u{i}") for i in range(3)]
    r = responder(ENFORCE.replace("max_actions_per_hour: 10", "max_actions_per_hour: 2"))
    statuses = [r.handle(m.Request(m.AWS_KEY, k, "manual")).status for k in keys]
    assert statuses == [m.EXECUTED, m.EXECUTED, m.REFUSED]
    assert [key_status(iam, f"u{i}", k) for i, k in enumerate(keys)] == ["Inactive", "Inactive", "Active"]


def test_undo_reactivates(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder()
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert key_status(iam, "ci-deployer", key) == "Inactive"
    u = r.undo(d.action_id, "false positive")
    assert u.status == m.UNDONE and key_status(iam, "ci-deployer", key) == "Active"
    assert r.undo(d.action_id).status == m.REFUSED  # twice: nothing left to undo


def test_role_sessions_revoked_as_the_console_does(responder: Make, iam: Any) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="gha-deploy", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    r = responder()
    d = r.handle(m.Request(m.AWS_ROLE_SESSIONS, arn, "manual"))
    assert d.status == m.EXECUTED
    doc = iam.get_role_policy(RoleName="gha-deploy", PolicyName=REVOKE_POLICY)["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    (st,) = doc["Statement"]
    assert st["Effect"] == "Deny" and st["Action"] == ["*"] and st["Resource"] == ["*"]
    assert st["Condition"]["DateLessThan"]["aws:TokenIssueTime"].endswith("Z")
    assert r.undo(d.action_id).status == m.UNDONE
    assert iam.list_role_policies(RoleName="gha-deploy")["PolicyNames"] == []


def _quarantine_finding(user: str) -> Finding:
    return Finding(id="q1", rule="aws.iam.compromised_key_quarantine", title="quarantine", severity="critical",
                   category="secret", cloud="aws", account=OWN_ACCOUNT, principal="", action="iam:AttachUserPolicy",
                   resource=user, time="2026-11-30T00:00:00Z", evidence={"user": user})


def test_quarantine_only_when_aws_really_attached_its_policy(responder: Make, make_user: Callable[[str], str],
                                                            iam: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    make_user("backup-sync")
    r = responder()
    _, (d,) = r.respond(_quarantine_finding("backup-sync"))
    assert d.status == m.REFUSED and "AWSCompromisedKeyQuarantine" in d.reason
    assert iam.list_user_policies(UserName="backup-sync")["PolicyNames"] == []
    # AWS's own managed policy, as AWS attaches it (moto loads the managed policies on request)
    pol = iam.create_policy(PolicyName="AWSCompromisedKeyQuarantineV3", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]}))
    iam.attach_user_policy(UserName="backup-sync", PolicyArn=pol["Policy"]["Arn"])
    _, (d,) = r.respond(_quarantine_finding("backup-sync"))
    assert d.status == m.EXECUTED
    assert iam.list_user_policies(UserName="backup-sync")["PolicyNames"] == [QUARANTINE_POLICY]


def test_cross_account_key_through_the_configured_role(responder: Make, iam: Any) -> None:
    other = "111111111111"
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{other}:role/setup",
                                            RoleSessionName="setup")["Credentials"]
    there = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"]).client("iam")
    there.create_user(UserName="leaky")
    key = there.create_access_key(UserName="leaky")["AccessKey"]["AccessKeyId"]
    # Without response.aws_role the key (decoded offline to account 111111111111) is not ours to touch.
    d = responder().handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.REFUSED and other in d.reason and "aws_role" in d.reason
    r = responder(ENFORCE + '  aws_role: "arn:aws:iam::{account}:role/auditwarden-responder"\n')
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.EXECUTED and d.account == other and d.owner == f"arn:aws:iam::{other}:user/leaky"
    assert key_status(there, "leaky", key) == "Inactive"


class _Canned:
    """A botocore raw response body (what `AWSResponse.content` reads)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kw: Any) -> Any:
        yield self.body


THROTTLED = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
             b"</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>")


def throttle(client: Any, operation: str, times: int) -> list[int]:
    """The next `times` calls of `operation` answer 400 Throttling before reaching the server."""
    seen: list[int] = []

    def hook(request: Any, **kw: Any) -> Any:
        seen.append(1)
        if len(seen) <= times:
            return AWSResponse(request.url, 400, {"content-type": "text/xml"}, _Canned(THROTTLED))
        return None

    client.meta.events.register(f"before-send.iam.{operation}", hook)
    return seen


def test_throttling_retried_then_succeeds(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder()  # max_attempts: 3
    seen = throttle(r.clients.aws.iam(OWN_ACCOUNT), "UpdateAccessKey", times=2)
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.EXECUTED and len(seen) == 3
    assert key_status(iam, "ci-deployer", key) == "Inactive"


def test_throttling_that_persists_is_reported(responder: Make, make_user: Callable[[str], str], iam: Any) -> None:
    key = make_user("ci-deployer")
    r = responder(ENFORCE.replace("max_attempts: 3", "max_attempts: 2"))
    seen = throttle(r.clients.aws.iam(OWN_ACCOUNT), "UpdateAccessKey", times=99)
    d = r.handle(m.Request(m.AWS_KEY, key, "manual"))
    assert d.status == m.FAILED and "Throttling" in d.reason and "after 2 attempts" in d.reason
    assert len(seen) == 2
    assert key_status(iam, "ci-deployer", key) == "Active"
    rec = r.ledger.get(d.action_id, r.clock())
    assert rec is not None and [h["status"] for h in rec["history"]] == ["started", "failed"]


def test_health_event_naming_two_keys_gets_a_decision_for_each(responder: Make, make_user: Callable[[str], str],
                                                               iam: Any) -> None:
    key = make_user("ci-deployer")
    gone = "AKIARZPUZDIKKPWF4IX7"  # auditwarden:allow (moto-shaped key ID of no user)
    f = Finding(id="h1", rule="aws.health.credentials_exposed", title="exposed", severity="critical",
                category="secret", cloud="aws", account=OWN_ACCOUNT, principal="", action="aws.health:x",
                resource=key, time="2026-11-30T00:00:00Z", evidence={"affected_keys": [key, gone]})
    g, decisions = responder().respond(f)
    assert [(d.target, d.status) for d in decisions] == [(key, m.EXECUTED), (gone, m.REFUSED)]
    block = g.to_dict()["response"]
    assert block["status"] == "executed" and [o["status"] for o in block["others"]] == ["refused"]
    assert key_status(iam, "ci-deployer", key) == "Inactive"


def _deploy_role_mismatch(iam: Any) -> Finding:
    """A deploy role (created in moto) assumed from an unexpected OIDC subject: its sessions are the target."""
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName="gha-deploy", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    return Finding(id="p1", rule="provenance.oidc_subject_mismatch", title="mismatch", severity="high",
                   category="provenance", cloud="aws", account=OWN_ACCOUNT, principal=arn, action="ecr:PutImage",
                   resource="r", time="2026-11-30T09:00:00Z", evidence={"principal_type": "AssumedRole"})


def test_role_revocation_already_covering_the_finding_is_a_no_op(responder: Make, iam: Any) -> None:
    f = _deploy_role_mismatch(iam)
    r = responder()
    _, (first,) = r.respond(f)
    assert first.status == m.EXECUTED
    _, (second,) = r.respond(f.with_(id="p2"))  # another deploy of the same session, an hour earlier's revocation
    assert second.status == m.ALREADY_DONE
    later = f.with_(id="p3", time="2099-01-01T00:00:00Z")  # a session issued after the revocation: stamp again
    _, (third,) = r.respond(later)
    assert third.status == m.EXECUTED


def test_undo_after_a_restamp_removes_the_revocation(responder: Make, iam: Any) -> None:
    """A later finding re-stamps the same action; undo must still take the role back to before auditwarden,
    not to auditwarden's own first deny (which would leave the role locked and undo spent)."""
    f = _deploy_role_mismatch(iam)
    clock = iter(range(1_900_000_000, 1_900_001_000, 10))
    r = responder()
    r.clock = lambda: float(next(clock))
    _, (first,) = r.respond(f)
    _, (again,) = r.respond(f.with_(id="p3", time="2099-01-01T00:00:00Z"))
    assert first.status == again.status == m.EXECUTED and first.action_id == again.action_id
    assert r.undo(first.action_id).status == m.UNDONE
    assert iam.list_role_policies(RoleName="gha-deploy")["PolicyNames"] == []
