"""privilege.gcp.escalation against the published GCP escalation methods."""

from __future__ import annotations

import json

import pytest

from scanner.inventory.model import IamSnapshot, Principal
from tests.conftest import FIXTURES
from tests.report.helpers import report

METHODS = sorted(json.loads((FIXTURES / "iam" / "privesc_gcp_rhino.json").read_text())["methods"].items())


@pytest.mark.parametrize(("method", "permissions"), METHODS)
def test_every_published_gcp_escalation_method_is_caught(method: str, permissions: list[str]) -> None:
    sa = Principal("gcp", "acme-prod", "service_account", "probe@acme-prod.iam.gserviceaccount.com",
                   "serviceAccount:probe@acme-prod.iam.gserviceaccount.com", roles=("projects/acme-prod/roles/probe",))
    snap = IamSnapshot("gcp", "acme-prod", "test", (sa,), {"projects/acme-prod/roles/probe": frozenset(permissions)})
    got = [f for f in report(snap).findings if f.rule == "privilege.gcp.escalation"]
    assert got, f"{method} ({permissions}) not reported"
    assert all(f.evidence["policy"] == "projects/acme-prod/roles/probe" for f in got)


def test_a_role_without_the_permissions_passes() -> None:
    sa = Principal("gcp", "p", "service_account", "a@p.iam.gserviceaccount.com",
                   "serviceAccount:a@p.iam.gserviceaccount.com", roles=("roles/storage.objectViewer",))
    snap = IamSnapshot("gcp", "p", "t", (sa,), {"roles/storage.objectViewer": frozenset({"storage.objects.get"})})
    rep = report(snap)
    assert not rep.findings and rep.checks["privilege.gcp.escalation"] == {"pass": 1, "fail": 0}
