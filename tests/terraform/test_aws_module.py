"""terraform/aws: formatted, valid against the real provider schema (offline mirror), its own
`terraform test` suite green with a mocked provider, and EventBridge routes that cover the pack."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scanner.bursts.rules import load_burst_rules
from scanner.detect.rules import load_rules
from scanner.live.routes import ALL_MANAGEMENT_EVENTS, CLOUDTRAIL_DETAIL_TYPES, terraform_json
from scanner.provenance.catalog import load_catalog
from tests.aws_server import aws_endpoint, moto_server  # noqa: F401
from tests.conftest import REPO

TERRAFORM = shutil.which("terraform")
MIRROR = next((p for p in (Path(os.environ.get("AUDITWARDEN_TF_PLUGINS", "/opt/tf-plugins")),) if p.is_dir()), None)
ROUTES = REPO / "terraform" / "aws" / "routes.tf.json"

needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not installed on this machine")
needs_mirror = pytest.mark.skipif(
    TERRAFORM is None or MIRROR is None,
    reason="no local hashicorp/aws provider mirror (a tf-plugins folder; set AUDITWARDEN_TF_PLUGINS): "
           "terraform init/validate/test need it offline")


def _tf(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1", "TF_CLI_CONFIG_FILE": "/dev/null"}
    return subprocess.run([TERRAFORM or "terraform", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)


@needs_terraform
def test_terraform_fmt() -> None:
    r = _tf("fmt", "-check", "-recursive", "-diff", cwd=REPO / "terraform")
    assert r.returncode == 0, r.stdout + r.stderr


@needs_mirror
def test_aws_module_validates_and_its_terraform_tests_pass(tmp_path: Path) -> None:
    work = tmp_path / "aws"
    shutil.copytree(REPO / "terraform" / "aws", work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    init = _tf("init", "-backend=false", "-input=false", f"-plugin-dir={MIRROR}", cwd=work)
    assert init.returncode == 0, init.stderr
    valid = _tf("validate", "-no-color", cwd=work)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    test = _tf("test", "-no-color", cwd=work)
    assert test.returncode == 0 and "0 failed" in test.stdout, test.stdout + test.stderr


def test_routes_file_is_generated_from_the_current_pack() -> None:
    assert ROUTES.read_text() == terraform_json(), "run `make routes` after changing rules/aws or the catalog"


def _matches(pattern: Any, value: Any) -> bool:
    """The EventBridge pattern subset routes.py writes: nested objects, value lists, {"prefix": …}."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(_matches(p, value.get(k)) for k, p in pattern.items())
    return any(v == value if not isinstance(v, dict) else isinstance(value, str) and value.startswith(v["prefix"])
               for v in pattern)


def _routed(event: dict[str, Any]) -> list[str]:
    """The routes EventBridge delivers `event` to: a read-only management event reaches only a rule in
    state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS."""
    routes = json.loads(ROUTES.read_text())["locals"]["generated_event_patterns"]
    read_only = event.get("detail", {}).get("readOnly") is True
    return [name for name, r in routes.items() if _matches(json.loads(r["pattern"]), event)
            and (not read_only or r["state"] == ALL_MANAGEMENT_EVENTS)]


def _cloudtrail_event(service: str, op: str, ptype: str = "AssumedRole", read_only: bool = False) -> dict[str, Any]:
    return {"source": "aws." + service.split(".")[0], "detail-type": CLOUDTRAIL_DETAIL_TYPES[0],
            "detail": {"eventSource": service, "eventName": op, "userIdentity": {"type": ptype},
                       "readOnly": read_only}}


def test_every_deploy_catalog_event_is_routed_to_the_function() -> None:
    entries = [e for e in load_catalog().entries if e.cloud == "aws"]
    assert entries
    for e in entries:
        for op in e.operations:
            assert _routed(_cloudtrail_event(e.service, op)), f"{e.id}: {e.service} {op} reaches no EventBridge rule"


def test_every_aws_rule_event_is_routed_including_versioned_and_root_and_health() -> None:
    for r in load_rules():
        if r.cloud != "aws":
            continue
        for service, op in r.index:
            event = ({"source": service, "detail-type": "AWS Health Event", "detail": {"eventTypeCode": op}}
                     if not service.endswith(".amazonaws.com") else _cloudtrail_event(service, op))
            assert _routed(event), f"{r.id}: {service} {op}"
        for ptype in r.principal_types if not r.index else ():
            assert _routed(_cloudtrail_event("s3.amazonaws.com", "ListBuckets", ptype)), r.id
    # read-only calls the pack reads (secret bursts, Windows passwords, SES quota checks) are delivered
    for service, op in (("secretsmanager.amazonaws.com", "GetSecretValue"), ("ec2.amazonaws.com", "GetPasswordData"),
                        ("ses.amazonaws.com", "GetSendQuota"), ("sts.amazonaws.com", "GetCallerIdentity")):
        assert _routed(_cloudtrail_event(service, op, read_only=True)), f"{service} {op} (read-only)"
    # a service's own event (Identity Center's MFA verification) arrives with its own detail-type
    verification = _cloudtrail_event("signin.amazonaws.com", "CredentialVerification")
    assert _routed({**verification, "detail-type": "AWS Service Event via CloudTrail"})
    # CloudTrail writes Lambda's API version into the event name
    assert _routed(_cloudtrail_event("lambda.amazonaws.com", "UpdateFunctionCode20150331v2"))
    assert not _routed(_cloudtrail_event("s3.amazonaws.com", "GetBucketLocation"))  # nothing routed that nobody reads


def test_every_call_the_iam_policy_detector_reads_is_routed() -> None:
    from scanner.iampolicy.detector import IAM, OPERATIONS

    for op in OPERATIONS:
        assert _routed(_cloudtrail_event(IAM, op)), f"iam_policy: {op} reaches no EventBridge rule"


def _responder_actions() -> dict[str, set[str]]:
    """`local.responder_actions` of terraform/aws/main.tf: responder → IAM actions granted."""
    import re

    text = (REPO / "terraform" / "aws" / "main.tf").read_text()
    block = text.split("responder_actions = {", 1)[1].split("}", 1)[0]
    return {name: set(re.findall(r'"([\w:]+)"', actions))
            for name, actions in re.findall(r"(\w+)\s*=\s*\[([^\]]*)\]", block)}


def test_responder_grants_cover_every_call_the_responder_makes(aws_endpoint: str, tmp_path: Path) -> None:  # noqa: F811
    """Every IAM call a responder makes in the function (resolve, then act) is granted by the Terraform
    responder that enables it: a missing grant is an AccessDenied the day a key leaks."""
    import boto3

    from scanner.respond import model as m
    from scanner.respond.aws import AwsAccess
    from scanner.respond.engine import Clients, Responder
    from scanner.state.sqlite import SqliteStore
    from tests.respond.conftest import ENFORCE, settings

    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]["AccessKeyId"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="gha-deploy", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    config = settings(ENFORCE, tmp_path)
    access = AwsAccess(config.response)
    called: list[str] = []
    responder = Responder(config, SqliteStore(str(tmp_path / "s.sqlite")), execute=True, clients=Clients(aws=access))
    granted = _responder_actions()
    access.iam(access.identity()["account"]).meta.events.register(
        "before-call.iam", lambda model, **_: called.append(f"iam:{model.name}"))
    for name, kind, target in (("aws_key_disable", m.AWS_KEY, key), ("aws_role_sessions", m.AWS_ROLE_SESSIONS, role)):
        called.clear()
        assert responder.handle(m.Request(kind, target, "manual")).status == m.EXECUTED
        assert set(called) <= granted[name], f"{name} misses {sorted(set(called) - granted[name])}"


def test_every_aws_burst_rule_event_is_routed_any_source_ones_by_name() -> None:
    bursts = [r for r in load_burst_rules() if r.cloud == "aws"]
    assert bursts
    for r in bursts:
        for service, op in r.index:
            for source in ((service,) if service != "*" else ("iam.amazonaws.com", "ecr.amazonaws.com")):
                assert _routed(_cloudtrail_event(source, op)), f"{r.id}: {source} {op}"
    assert not _routed(_cloudtrail_event("iam.amazonaws.com", "GetRole"))
