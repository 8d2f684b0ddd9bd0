"""privilege.aws.*: escalation paths (with the granting policy named), admin, wildcard and trust checks."""

from __future__ import annotations

import json

import pytest

from scanner.config import Trusted
from tests.conftest import FIXTURES
from tests.report.helpers import (
    ACCOUNT,
    allow,
    authz,
    deny,
    doc,
    findings,
    group,
    managed,
    report,
    role,
    snapshot,
    user,
)

TARGET = role("target-admin", {"admin": doc(allow("*"))})


def test_escalation_names_the_policy_and_the_principal() -> None:
    rep = report(snapshot(authz(roles=[role("ci", {"ci-iam": doc(allow(["iam:CreatePolicyVersion", "s3:*"]))}),
                                       TARGET])))
    [f] = [f for f in findings(rep, "privilege.aws.escalation", "role/ci")
           if f.evidence["path"] == "CreatePolicyVersion"]
    assert f.principal == f"arn:aws:iam::{ACCOUNT}:role/ci"
    assert f.evidence["policy"] == "ci-iam" and f.evidence["policies"] == ["ci-iam"]
    assert f.category == "privilege" and f.severity == "high"


def test_a_path_assembled_from_several_policies_lists_them_all() -> None:
    pr = managed("pass-any-role", doc(allow("iam:PassRole")))
    rep = report(snapshot(authz(
        users=[user("dev", {"lambda-dev": doc(allow(["lambda:CreateFunction", "lambda:InvokeFunction"]))},
                    groups=["deployers"])],
        groups=[group("deployers", managed=[pr["Arn"]])], roles=[TARGET], policies=[pr])))
    [f] = [f for f in findings(rep, "privilege.aws.escalation", "user/dev")
           if f.evidence["path"] == "PassRoleToLambdaInvoke"]
    assert "policy" not in f.evidence
    assert f.evidence["policies"] == ["lambda-dev", "pass-any-role (via group deployers)"]
    assert f.evidence["passable_roles"] == [TARGET["Arn"]]


def test_own_access_key_is_not_escalation_but_anyone_elses_is() -> None:
    selfish = user("self", {"own-keys": doc(allow(["iam:CreateAccessKey"], "arn:aws:iam::*:user/${aws:username}"))})
    other = user("other", {"any-keys": doc(allow(["iam:CreateAccessKey"], "arn:aws:iam::*:user/*"))})
    rep = report(snapshot(authz(users=[selfish, other])))
    assert not findings(rep, "privilege.aws.escalation", "user/self")
    assert [f.evidence["path"] for f in findings(rep, "privilege.aws.escalation", "user/other")] == ["CreateAccessKey"]


def test_passrole_onto_roles_that_do_not_exist_cannot_be_exploited() -> None:
    scoped = role("builder", {"b": doc(allow(["codebuild:CreateProject", "codebuild:StartBuild"]),
                                       allow("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/codebuild-*"))})
    rep = report(snapshot(authz(roles=[scoped, TARGET])))
    assert not findings(rep, "privilege.aws.escalation", "role/builder")
    # the same grant once such a role exists is a path
    rep = report(snapshot(authz(roles=[scoped, TARGET, role("codebuild-prod", {"x": doc(allow("s3:*"))})])))
    paths = [f.evidence["path"] for f in findings(rep, "privilege.aws.escalation", "role/builder")]
    assert paths == ["PassRoleToCodeBuild"]


def test_grants_scoped_to_principals_that_do_not_exist_cannot_be_exploited() -> None:
    ghost = role("ops", {"p": doc(allow(["iam:PutRolePolicy", "iam:AttachRolePolicy"],
                                        f"arn:aws:iam::{ACCOUNT}:role/retired-*"))})
    rep = report(snapshot(authz(roles=[ghost, TARGET])))
    assert not findings(rep, "privilege.aws.escalation", "role/ops")
    live = role("ops", {"p": doc(allow(["iam:PutRolePolicy"], f"arn:aws:iam::{ACCOUNT}:role/target-*"))})
    rep = report(snapshot(authz(roles=[live, TARGET])))
    assert [f.evidence["path"] for f in findings(rep, "privilege.aws.escalation", "role/ops")] == ["PutRolePolicy"]


def test_deny_on_the_passable_role_removes_the_path() -> None:
    r = role("fn", {"grant": doc(allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])),
                    "guard": doc(deny("iam:PassRole", TARGET["Arn"]))})
    rep = report(snapshot(authz(roles=[r, TARGET])))
    assert not findings(rep, "privilege.aws.escalation", "role/fn")


def test_evasion_wildcards_and_notaction_still_grant_the_path() -> None:
    sneaky = role("sneaky", {"p": doc({"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"], "Resource": "*"})})
    spelled = role("spelled", {"p": doc(allow(["IAM:put*policy"]))})  # action names are case-insensitive
    rep = report(snapshot(authz(roles=[sneaky, spelled, TARGET])))
    assert findings(rep, "privilege.aws.admin", "role/sneaky")  # NotAction without iam:* is full IAM
    paths = {f.evidence["path"] for f in findings(rep, "privilege.aws.escalation", "role/spelled")}
    assert {"PutRolePolicy", "PutUserPolicy", "PutGroupPolicy"} <= paths


def test_boundary_without_iam_blocks_the_paths() -> None:
    b = managed("no-iam", doc(allow("*"), deny("iam:*")))
    rep = report(snapshot(authz(roles=[role("bounded", {"p": doc(allow("*"))}, boundary=b["Arn"]), TARGET],
                                policies=[b])))
    assert not findings(rep, "privilege.aws.admin", "role/bounded")
    assert not [f for f in findings(rep, "privilege.aws.escalation", "role/bounded") if f.action.startswith("iam:")]


def test_assume_a_more_privileged_role() -> None:
    trusting = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                               "Action": "sts:AssumeRole"}]}
    admin = role("ops-admin", {"a": doc(allow("*"))}, trust=trusting)
    rep = report(snapshot(authz(roles=[role("jump", {"j": doc(allow("sts:AssumeRole"))}), admin])))
    [f] = findings(rep, "privilege.aws.escalation", "role/jump")
    assert f.evidence["assumable_roles"] == [admin["Arn"]] and f.evidence["policy"] == "j"


def _cases(name: str, key: str) -> list[tuple[str, list[str]]]:
    data = json.loads((FIXTURES / "iam" / name).read_text())
    return sorted(data[key].items())


@pytest.mark.parametrize(("method", "actions"), _cases("privesc_aws_cloudsplaining.json", "methods"))
def test_every_published_aws_escalation_method_is_caught(method: str, actions: list[str]) -> None:
    """Cloudsplaining's list: a role granted exactly those actions (on *) is reported as able to escalate."""
    trusting = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                               "Action": "sts:AssumeRole"}]}
    target = role("target-admin", {"admin": doc(allow("*"))}, trust=trusting)
    rep = report(snapshot(authz(roles=[role("probe", {"granted": doc(allow(actions))}), target])))
    got = findings(rep, "privilege.aws.escalation", "role/probe")
    assert got, f"{method} ({actions}) not reported"
    assert all(f.evidence["policies"] == ["granted"] for f in got)


def test_admin_and_wildcard_on_the_cloudsplaining_example() -> None:
    from scanner.inventory.aws_authz import load_authz_file

    rep = report(load_authz_file(str(FIXTURES / "iam" / "cloudsplaining__test_files_example-authz-details.json")))
    admins = {f.principal.rsplit("/", 1)[1]: f for f in findings(rep, "privilege.aws.admin")}
    assert set(admins) == {"obama", "userwithlotsofpermissions"}
    assert admins["userwithlotsofpermissions"].evidence["policy"] == "AdministratorAccess (via group admin)"
    assert rep.checks["privilege.aws.admin"] == {"pass": 4, "fail": 2}


def test_wildcard_grant_in_own_policy() -> None:
    rep = report(snapshot(authz(roles=[role("w", {"broad": doc(allow(["s3:*", "dynamodb:GetItem"]))})])))
    [f] = findings(rep, "privilege.aws.wildcard", "role/w")
    assert f.evidence["policy"] == "broad" and f.evidence["actions"] == ["s3:*"]


def _trust(*stmts: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(stmts)}


def test_trust_policies() -> None:
    anyone = role("anyone", trust=_trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}))
    pinned_any = role("pinned", trust=_trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                                              "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}))
    vendor = role("vendor", trust=_trust({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                                          "Action": "sts:AssumeRole"}))
    vendor_ok = role("vendor-ok", trust=_trust({"Effect": "Allow", "Principal": {"AWS": "999988887777"},
                                                "Action": "sts:AssumeRole",
                                                "Condition": {"StringEquals": {"sts:ExternalId": "x1"}}}))
    sister = role("sister", trust=_trust({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                                          "Action": "sts:AssumeRole"}))
    gha = role("gha", trust=_trust({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {
        "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}}))
    gha_aud_only = role("gha-aud", trust=_trust({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                      "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}}))
    gha_ok = role("gha-ok", trust=_trust({"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
        "Condition": {"StringEquals": {
            "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}}}))
    rep = report(snapshot(authz(roles=[anyone, pinned_any, vendor, vendor_ok, sister, gha, gha_aud_only, gha_ok])),
                 trusted=Trusted(aws_accounts=("444455556666",)))
    public = {f.principal.rsplit("/", 1)[1] for f in findings(rep, "privilege.aws.trust_public")}
    cross = {f.principal.rsplit("/", 1)[1] for f in findings(rep, "privilege.aws.trust_cross_account")}
    assert public == {"anyone", "gha", "gha-aud"} and cross == {"vendor"}


def test_compute_role_with_admin() -> None:
    rep = report(snapshot(authz(roles=[role("ec2-admin", managed=["arn:aws:iam::aws:policy/AdministratorAccess"]),
                                       role("ec2-small", {"s": doc(allow("s3:GetObject"))})])))
    assert [f.principal.rsplit("/", 1)[1] for f in findings(rep, "privilege.aws.compute_admin")] == ["ec2-admin"]
    assert rep.checks["privilege.aws.compute_admin"] == {"pass": 1, "fail": 1}
