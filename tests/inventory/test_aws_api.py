"""The live AWS path against moto's server: real boto3 clients, authz details, keys, credential report.

(moto answers get_account_authorization_details in one page; paging is botocore's paginator.)
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from scanner.inventory.aws_api import collect
from tests.aws_server import aws_endpoint, moto_server  # noqa: F401
from tests.report.helpers import report

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def test_collect_through_the_api(aws_endpoint: str, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                 tmp_path: Path) -> None:
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    iam = boto3.client("iam")  # AWS_ENDPOINT_URL points it at the local server
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName="deployer", PolicyName="lambda-deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"]}]}))
    iam.create_role(RoleName="fn-admin", AssumeRolePolicyDocument=TRUST, Description="<b>payments</b>")
    iam.attach_role_policy(RoleName="fn-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.create_role(RoleName="idle", AssumeRolePolicyDocument=TRUST)

    snap = collect(iam, sleep=lambda s: None)
    assert not [p for p in snap.problems if "credential report" in p.message]
    byname = {p.name: p for p in snap.principals}
    assert len([p for p in snap.principals if p.kind == "role"]) == 2
    assert [k.id for k in byname["deployer"].keys] == [key]
    assert byname["fn-admin"].description == "<b>payments</b>"
    assert {p.name for p in byname["fn-admin"].policies} == {"AdministratorAccess"}

    rep = report(snap)
    admin = [f for f in rep.findings if f.rule == "privilege.aws.compute_admin"]
    assert [f.principal.rsplit("/", 1)[1] for f in admin] == ["fn-admin"]
    assert admin[0].evidence["policy"] == "AdministratorAccess"
    esc = {f.evidence["path"] for f in rep.findings if f.rule == "privilege.aws.escalation"
           and f.principal.endswith("user/deployer")}
    assert "PassRoleToLambdaInvoke" in esc

    # the command line's --aws takes the same path (boto3 honours AWS_ENDPOINT_URL)
    from click.testing import CliRunner

    from scanner.cli import cli

    res = CliRunner().invoke(cli, ["report", "--aws", "--out", str(tmp_path / "live")], catch_exceptions=False)
    assert res.exit_code == 1, res.stderr
    data = json.loads((tmp_path / "live" / "report.json").read_text())
    assert {f["rule"] for f in data["findings"]} >= {"privilege.aws.compute_admin", "privilege.aws.escalation"}
