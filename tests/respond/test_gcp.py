"""GCP responders with the real google-cloud-iam client against the local gRPC IAM server."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest

from scanner.model.finding import Finding
from scanner.respond import model as m
from scanner.respond.engine import Responder
from tests.respond.conftest import ENFORCE

pytest.importorskip("google.cloud.iam_admin_v1")

from tests.gcp_fake import FakeIam, gcp_iam  # noqa: F401

Make = Callable[..., Responder]
KEY_ID = "2a8c7ca0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"
GCP = ENFORCE.replace("max_attempts: 3", "max_attempts: 3\n  retry_seconds: 2")


def key_finding(email: str, key_id: str = KEY_ID) -> Finding:
    """`secrets --format jsonl` on a committed service-account key file."""
    return Finding(id="g1", rule="secrets.gcp.service_account_key", title="GCP service account key",
                   severity="critical", category="secret", cloud="git", account="acme-prod", principal=email,
                   action="", resource=email, time="2026-11-30T00:00:00Z",
                   evidence={"revocation": {"kind": "gcp-key", "client_email": email, "private_key_id": key_id,
                                            "project_id": "acme-prod"}})


def test_dry_run_then_enforce_disables_the_key(responder: Make, gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "deployer")
    key = gcp_iam.add_key(sa.email, KEY_ID)
    _, (d,) = responder(GCP, execute=False, gcp_iam=gcp_iam.client).respond(key_finding(sa.email))
    assert d.status == m.WOULD_EXECUTE and d.owner == sa.email and d.account == "acme-prod"
    assert gcp_iam.keys[key.name].disabled is False
    r = responder(GCP, gcp_iam=gcp_iam.client)
    f, (d,) = r.respond(key_finding(sa.email))
    assert d.status == m.EXECUTED and gcp_iam.keys[key.name].disabled is True
    assert f.response is not None and f.response.to_dict()["action"] == "gcp-key"
    _, (again,) = r.respond(key_finding(sa.email))
    assert again.status == m.ALREADY_DONE and r.ledger.used(r.clock()) == 1
    assert r.undo(d.action_id).status == m.UNDONE and gcp_iam.keys[key.name].disabled is False


def test_key_of_another_account_is_not_ours(responder: Make, gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "deployer")
    gcp_iam.add_key(sa.email, KEY_ID)
    d = responder(GCP, gcp_iam=gcp_iam.client).respond(key_finding("intruder@evil-proj.iam.gserviceaccount.com"))[1][0]
    assert d.status == m.REFUSED and d.reason.startswith("not ours")


def test_service_account_disabled_and_protected_refused(responder: Make, gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "batch")
    admin = gcp_iam.add_account("acme-prod", "org-admin")
    r = responder(GCP + '  protected_principals: ["org-admin@*"]\n', gcp_iam=gcp_iam.client)
    assert r.handle(m.Request(m.GCP_SA, sa.email, "manual")).status == m.EXECUTED
    assert gcp_iam.accounts[sa.email].disabled is True
    d = r.handle(m.Request(m.GCP_SA, admin.email, "manual"))
    assert d.status == m.REFUSED and "protected" in d.reason and gcp_iam.accounts[admin.email].disabled is False
    assert gcp_iam.called("GetServiceAccount")[-1].name.endswith("batch@acme-prod.iam.gserviceaccount.com")


def test_unavailable_retried_then_succeeds(responder: Make, gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "deployer")
    key = gcp_iam.add_key(sa.email, KEY_ID)
    gcp_iam.fail_next("DisableServiceAccountKey", grpc.StatusCode.UNAVAILABLE, times=2)
    gcp_iam.fail_next("GetServiceAccountKey", grpc.StatusCode.RESOURCE_EXHAUSTED, times=1)
    _, (d,) = responder(GCP, gcp_iam=gcp_iam.client).respond(key_finding(sa.email))
    assert d.status == m.EXECUTED and gcp_iam.keys[key.name].disabled is True
    assert len(gcp_iam.called("DisableServiceAccountKey")) == 3


def test_failure_that_persists_is_reported(responder: Make, gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "deployer")
    key = gcp_iam.add_key(sa.email, KEY_ID)
    gcp_iam.fail_next("DisableServiceAccountKey", grpc.StatusCode.UNAVAILABLE, times=1000)
    r = responder(GCP.replace("retry_seconds: 2", "retry_seconds: 1"), gcp_iam=gcp_iam.client)
    _, (d,) = r.respond(key_finding(sa.email))
    assert d.status == m.FAILED and "ServiceUnavailable" in d.reason
    assert len(gcp_iam.called("DisableServiceAccountKey")) > 1 and gcp_iam.keys[key.name].disabled is False
    rec = r.ledger.get(d.action_id, r.clock())
    assert rec is not None and [h["status"] for h in rec["history"]] == ["started", "failed"]
