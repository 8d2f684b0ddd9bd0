"""`deploy_policy` as users write it: the DESIGN.md example loads; mistakes name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.detectors import parse_settings as parse_config
from scanner.yamlio import YamlError
from tests.provenance.conftest import MIXED, policies

DESIGN_EXAMPLE = """\
deploy_policy:                     # who may push artifacts and deploy
  - name: checkout pipeline (aws)
    cloud: aws
    accounts: ["111122223333"]     # globs; omit = all
    resources: ["arn:aws:ecr:*:111122223333:repository/app*"]   # optional globs
    allow:
      - principal: "arn:aws:iam::111122223333:role/gha-deploy"   # glob on the stable principal
        oidc_provider: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        oidc_subjects: ["repo:acme/app:ref:refs/heads/main"]    # globs; the federated subject must match
        # via: [globs]   origins (assumer / impersonator) allowed besides the entry's own identity
      - principal: "arn:aws:iam::111122223333:role/codepipeline-prod-role"
  - name: checkout pipeline (gcp)
    cloud: gcp
    projects: ["acme-prod"]
    allow:
      - principal: "deployer@acme-ci.iam.gserviceaccount.com"
        oidc_subjects: ["repo:acme/app:ref:refs/heads/main"]
        keyless: true              # a call made with a long-lived key (AKIA…, serviceAccountKeyName) violates it
"""


def test_design_example_loads_into_typed_policies() -> None:
    (aws, gcp), _ = policies(DESIGN_EXAMPLE, "conf/auditwarden.yaml")
    assert (aws.name, aws.cloud, aws.scopes, aws.resources) == (
        "checkout pipeline (aws)", "aws", ("111122223333",), ("arn:aws:ecr:*:111122223333:repository/app*",))
    assert [a.principal for a in aws.allow] == ["arn:aws:iam::111122223333:role/gha-deploy",
                                                "arn:aws:iam::111122223333:role/codepipeline-prod-role"]
    assert aws.allow[0].oidc_subjects == ("repo:acme/app:ref:refs/heads/main",) and not aws.allow[1].oidc_subjects
    assert aws.source == "conf/auditwarden.yaml:2"
    assert aws.allow[0].oidc_providers == (
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",)
    assert (gcp.scopes, gcp.allow[0].keyless, gcp.allow[0].line) == (("acme-prod",), True, 16)
    assert aws.covers_account("111122223333") and not aws.covers_account("444455556666")
    assert aws.covers_resource("arn:aws:ecr:eu-west-1:111122223333:repository/app-checkout")
    assert not aws.covers_resource("arn:aws:ecr:eu-west-1:111122223333:repository/tools-base")


def test_allow_may_be_empty_and_scopes_may_be_omitted() -> None:
    (pol,), _ = policies("deploy_policy:\n  - {name: freeze, cloud: gcp, allow: []}\n")
    assert pol.allow == () and pol.covers_account("any-project") and pol.covers_resource("anything")


def _base(allow_lines: str, head: str = "    cloud: aws\n") -> str:
    return "deploy_policy:\n  - name: p\n" + head + "    allow:\n" + allow_lines


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        (_base("      - principal: gha-deploy\n"), 5, "must be an ARN glob"),
        (_base("      - principal: arn:aws:iam::1:role/x\n        principals: [a]\n"), 6, "unknown key 'principals'"),
        (_base("      - principal: arn:aws:iam::1:role/x\n        oidc_subjects: 7\n"), 6,
         "oidc_subjects must be a list"),
        (_base("      - principal: arn:aws:iam::1:role/x\n        keyless: maybe\n"), 6,
         "keyless must be true or false"),
        (_base("      - oidc_subjects: [x]\n"), 5, "principal is required"),
        (_base("      - principal: arn:aws:iam::1:role/x\n"
               "        oidc_provider: token.actions.githubusercontent.com\n"), 6,
         "oidc_provider must be an identity provider ARN glob"),
        (_base("      - principal: arn:aws:iam::1:role/x\n        via: {a: b}\n"), 6, "via must be a list"),
        (_base("      - just-a-string\n"), 4, "must be a mapping with a principal"),
        (_base("      - principal: arn:aws:iam::1:role/x\n", "    cloud: azure\n"), 3, "cloud must be one of aws, gcp"),
        (_base("      - principal: arn:aws:iam::1:role/x\n", "    cloud: aws\n    projects: [acme-prod]\n"), 4,
         "projects is for gcp policies"),
        ("deploy_policy:\n  - name: p\n    cloud: aws\n", 2, "allow is required"),
        ("deploy_policy:\n  - cloud: aws\n    allow: []\n", 2, "name is required"),
        ("deploy_policy:\n  - {name: p, cloud: aws, allow: []}\n  - {name: p, cloud: gcp, allow: []}\n", 3,
         "used twice"),
        ("deploy_policy: {name: p}\n", 1, "must be a list of policies"),
        ("deploy_policy:\n  - {name: p, cloud: gcp, allow: [], resources: [1, 2]}\n", 2, "resources must be a list"),
    ],
)
def test_malformed_policy_names_file_and_line(text: str, line: int, needle: str) -> None:
    with pytest.raises(YamlError) as err:
        parse_config(text, "conf/auditwarden.yaml")
    assert err.value.path == "conf/auditwarden.yaml"
    assert err.value.line == line, str(err.value)
    assert needle in str(err.value)
    assert str(err.value).startswith(f"conf/auditwarden.yaml:{line}: ")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_malformed_policy_through_the_cli_exits_2_with_file_and_line(tmp_path: Path, jobs: str) -> None:
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(_base("      - principal: gha-deploy\n"))
    r = CliRunner().invoke(cli, ["scan", str(MIXED), "--config", str(cfg), "--jobs", jobs])
    assert r.exit_code == 2
    assert f"{cfg}:5:" in r.stderr and "must be an ARN glob" in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_gcp_providers_are_kept_to_the_pool_audit_logs_name() -> None:
    pools = "projects/1/locations/global/workloadIdentityPools"
    (pol,), _ = policies('deploy_policy:\n  - name: g\n    cloud: gcp\n    allow:\n'
                         '      - principal: "d@p.iam.gserviceaccount.com"\n'
                         f'        oidc_provider: ["//iam.googleapis.com/{pools}/gh/providers/github",'
                         f' "{pools}/other"]\n'
                         '        via: ["*@acme.example"]\n')
    assert pol.allow[0].oidc_providers == ("projects/1/locations/global/workloadIdentityPools/gh",
                                           "projects/1/locations/global/workloadIdentityPools/other")
    assert pol.allow[0].via == ("*@acme.example",)
