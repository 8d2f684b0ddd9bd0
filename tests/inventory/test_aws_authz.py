"""AWS snapshots from files: the authorization-details export and the credential report, good and bad."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

from scanner.inventory.aws_authz import load_authz_file, load_credential_report
from tests.conftest import FIXTURES, REPO

EXAMPLE = FIXTURES / "iam" / "cloudsplaining__test_files_example-authz-details.json"


def test_reads_the_cloudsplaining_example() -> None:
    snap = load_authz_file(str(EXAMPLE))
    assert snap.cloud == "aws" and snap.account == "012345678901" and not snap.problems
    users = {p.name: p for p in snap.principals if p.kind == "user"}
    roles = {p.name: p for p in snap.principals if p.kind == "role"}
    assert set(users) == {"obama", "biden", "userwithlotsofpermissions"} and len(roles) == 3
    # group policies are inherited and say through which group
    assert ("AdministratorAccess", "admin") in {(p.name, p.via) for p in users["obama"].policies}
    assert roles["MyRole"].trust is not None
    assert roles["MyRole"].trust.statements[0].principals == (("Service", "ssm.amazonaws.com"),)


def test_snapshot_is_immutable() -> None:
    import dataclasses

    import pytest

    snap = load_authz_file(str(EXAMPLE))
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.account = "x"  # type: ignore[misc]


def test_truncated_and_not_json(tmp_path: Path) -> None:
    cut = tmp_path / "cut.json"
    cut.write_bytes(EXAMPLE.read_bytes()[:5000])
    snap = load_authz_file(str(cut))
    assert not snap.principals and "truncated JSON" in snap.problems[0].message
    assert snap.problems[0].source == str(cut)
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not an export\n")
    assert "not JSON" in load_authz_file(str(text)).problems[0].message
    other = tmp_path / "other.json"
    other.write_text('{"Records": []}')
    assert "not an authorization-details export" in load_authz_file(str(other)).problems[0].message


def test_missing_sections_and_bad_documents_are_named_and_the_rest_read(tmp_path: Path) -> None:
    data = json.loads(EXAMPLE.read_text())
    del data["GroupDetailList"]
    roles = data["RoleDetailList"]
    roles[0]["RolePolicyList"][0]["PolicyDocument"] = urllib.parse.quote(
        json.dumps(roles[0]["RolePolicyList"][0]["PolicyDocument"]))  # the IAM API's encoding
    roles[1]["RolePolicyList"][0]["PolicyDocument"] = json.dumps(roles[1]["RolePolicyList"][0]["PolicyDocument"])
    roles[2]["AssumeRolePolicyDocument"] = "{not json"
    data["Policies"][0]["PolicyVersionList"][0]["Document"] = {"Statement": [{"Effect": "Maybe", "Action": "*"}]}
    path = tmp_path / "authz.json"
    path.write_text(json.dumps(data))
    snap = load_authz_file(str(path))
    msgs = [p.message for p in snap.problems]
    assert any("section GroupDetailList is missing" in m for m in msgs)
    assert any("role OverprivilegedEC2: policy 'trust policy': policy document is not valid JSON" in m for m in msgs)
    assert any("'NotYourPolicy'" in m and "Effect must be Allow or Deny" in m for m in msgs)
    byname = {p.name: p for p in snap.principals}
    assert byname["MyRole"].policies[0].statements[0].actions[0] == "iam:CreateInstanceProfile"  # URL-encoded read
    assert byname["MyOtherRole"].policies  # JSON-string document read
    assert byname["obama"].policies  # the rest of the account is still there


def test_credential_report_adds_keys_mfa_console_and_root() -> None:
    snap = load_authz_file(str(REPO / "examples" / "iam" / "aws" / "authz.json"))
    snap = load_credential_report(snap, str(REPO / "examples" / "iam" / "aws" / "credential-report.csv"))
    byname = {p.name: p for p in snap.principals}
    assert byname["root"].kind == "root" and byname["root"].keys[0].active
    assert byname["bob"].mfa is False and byname["bob"].console is True
    assert [k.id for k in byname["bob"].keys] == ["access_key_1", "access_key_2"]
    assert byname["bob"].keys[1].last_used is None
    assert byname["alice"].keys == () and byname["alice"].mfa is True


def test_a_file_that_is_not_a_credential_report(tmp_path: Path) -> None:
    snap = load_authz_file(str(EXAMPLE))
    bad = tmp_path / "report.csv"
    bad.write_text("a,b\n1,2\n")
    out = load_credential_report(snap, str(bad))
    assert out.principals == snap.principals
    assert out.problems[-1].source == str(bad) and "not an IAM credential report" in out.problems[-1].message
