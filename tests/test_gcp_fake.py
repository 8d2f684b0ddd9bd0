"""The local GCP fakes answer the real client libraries (the technique every GCP test here relies on)."""

from __future__ import annotations

import grpc
import pytest

from tests.gcp_fake import FakeIam, FakeProjects, gcp_iam, gcp_projects  # noqa: F401

pytest.importorskip("google.cloud.iam_admin_v1")


def test_real_iam_client_lists_and_disables_keys(gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "deployer")
    gcp_iam.add_key(sa.email, "abc123")
    gcp_iam.add_key(sa.email, "sys1", user_managed=False)
    accounts = list(gcp_iam.client.list_service_accounts(name="projects/acme-prod"))
    assert [a.email for a in accounts] == [sa.email]
    keys = gcp_iam.client.list_service_account_keys(name=f"projects/-/serviceAccounts/{sa.email}").keys
    assert {k.name.rsplit("/", 1)[1] for k in keys} == {"abc123", "sys1"}
    name = f"projects/acme-prod/serviceAccounts/{sa.email}/keys/abc123"
    gcp_iam.client.disable_service_account_key(name=name)
    assert gcp_iam.client.get_service_account_key(name=name).disabled is True


def test_injected_errors_reach_the_client(gcp_iam: FakeIam) -> None:  # noqa: F811
    sa = gcp_iam.add_account("acme-prod", "deployer")
    gcp_iam.fail_next("GetServiceAccount", grpc.StatusCode.PERMISSION_DENIED)
    from google.api_core import exceptions

    with pytest.raises(exceptions.PermissionDenied):
        gcp_iam.client.get_service_account(name=f"projects/-/serviceAccounts/{sa.email}", retry=None)
    assert gcp_iam.client.get_service_account(name=f"projects/-/serviceAccounts/{sa.email}").email == sa.email


def test_real_projects_client_reads_the_policy(gcp_projects: FakeProjects) -> None:  # noqa: F811
    gcp_projects.set_policy("acme-prod", {"roles/editor": ["serviceAccount:x@acme-prod.iam.gserviceaccount.com"]})
    pol = gcp_projects.client.get_iam_policy(resource="projects/acme-prod")
    assert [(b.role, list(b.members)) for b in pol.bindings] == [
        ("roles/editor", ["serviceAccount:x@acme-prod.iam.gserviceaccount.com"])]
