"""Resources resolved before scope is judged, and judged in scope when they cannot be (fail closed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scanner.model.event import Event
from scanner.provenance.resources import cloudformation_stack, lambda_function
from scanner.state.memory import MemoryStore
from tests.provenance.conftest import ACCT, AWS_FAMILIES, GCP_FAMILIES, detector, events, run
from tests.provenance.records import _base, iam_user, write_records

STACK = f"arn:aws:cloudformation:us-east-1:{ACCT}:stack/checkout-prod/1a2b3c4d-6f6b-11ef-9b3f-0a1b2c3d4e5f"
CHANGE_SET = f"arn:aws:cloudformation:us-east-1:{ACCT}:changeSet/hotfix-1/0c1d2e3f-6f6b-11ef-9b3f-0a1b2c3d4e5f"


def scoped(*resources: str, cloud: str = "aws") -> str:
    globs = ", ".join(f'"{r}"' for r in resources)
    return f"deploy_policy:\n  - {{name: scoped, cloud: {cloud}, resources: [{globs}], allow: []}}\n"


def _cfn(event_id: str, name: str, params: dict[str, Any], resp: dict[str, Any] | None) -> dict[str, Any]:
    rec = _base(event_id, "2024-09-10T15:00:00Z", "cloudformation.amazonaws.com", name, iam_user("alice"),
                "203.0.113.77")
    rec.update(requestParameters=params, responseElements=resp, readOnly=False)
    return rec


CREATE = _cfn("cs-1", "CreateChangeSet", {"stackName": "checkout-prod", "changeSetName": "hotfix-1"},
              {"id": CHANGE_SET, "stackId": STACK})
EXECUTE = _cfn("cs-2", "ExecuteChangeSet", {"changeSetName": CHANGE_SET}, None)


def test_execute_change_set_by_arn_resolves_to_the_stack_create_change_set_named(tmp_path: Path) -> None:
    path = write_records(tmp_path / "cfn.json", CREATE, EXECUTE)
    findings = run(detector(scoped(f"arn:aws:cloudformation:*:{ACCT}:stack/checkout-prod/*")), events(path))
    assert [(f.action, f.resource) for f in findings] == [
        ("cloudformation:CreateChangeSet", STACK), ("cloudformation:ExecuteChangeSet", STACK)]


def test_an_unresolvable_deploy_is_judged_in_scope_of_a_scoped_policy(tmp_path: Path) -> None:
    # The CreateChangeSet is not in the scanned logs: the stack cannot be told, so no policy may miss it.
    path = write_records(tmp_path / "cfn.json", EXECUTE)
    [f] = run(detector(scoped(f"arn:aws:cloudformation:*:{ACCT}:stack/some-other-stack/*")), events(path))
    assert (f.action, f.resource) == ("cloudformation:ExecuteChangeSet", "")


def test_a_stack_named_without_its_id_is_iam_shaped_and_meets_id_specific_globs(tmp_path: Path) -> None:
    update = _cfn("st-1", "UpdateStack", {"stackName": "checkout-prod", "usePreviousTemplate": True}, None)
    path = write_records(tmp_path / "cfn.json", update)
    [f] = run(detector(scoped(STACK)), events(path))
    assert f.resource == f"arn:aws:cloudformation:us-east-1:{ACCT}:stack/checkout-prod/*"
    assert run(detector(scoped(f"arn:aws:cloudformation:*:{ACCT}:stack/checkout-dev/*")), events(path)) == []


def test_cloud_run_v1_and_v2_names_meet_one_policy() -> None:
    text = scoped("projects/acme-prod/locations/us-central1/services/checkout", cloud="gcp")
    found = {f.action for f in run(detector(text), events(GCP_FAMILIES))}
    assert {"google.cloud.run.v1.Services.ReplaceService", "google.cloud.run.v2.Services.UpdateService"} <= found
    assert "google.cloud.run.v1.Services.CreateService" not in found  # that one is checkout-2


FN = f"arn:aws:lambda:us-east-1:{ACCT}:function:checkout-api"


@pytest.mark.parametrize(("value", "expected"), [
    (FN, FN),
    (f"{FN}:PROD", FN),
    (f"arn:aws:lambda:us-east-1:{ACCT}:function:444455556666:function:checkout-api:3",
     "arn:aws:lambda:us-east-1:444455556666:function:checkout-api"),
    (f"arn:aws:lambda:us-east-1:{ACCT}:function:", ""),
    (f"arn:aws:lambda:us-east-1:{ACCT}:function:a/b", ""),
    ("checkout-api", ""),
])
def test_lambda_resolver(value: str, expected: str) -> None:
    assert lambda_function(value, a_lambda_event(), MemoryStore()) == expected


def a_lambda_event() -> Event:
    return next(e for e in events(AWS_FAMILIES) if e.service == "lambda.amazonaws.com")


def test_cloudformation_resolver_refuses_what_is_not_a_stack() -> None:
    ev = a_lambda_event()
    assert cloudformation_stack(f"arn:aws:cloudformation:us-east-1:{ACCT}:stackset/x", ev, MemoryStore()) == ""
    assert cloudformation_stack(STACK, ev, MemoryStore()) == STACK
