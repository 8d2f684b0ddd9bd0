"""`gcp_project`: a resource name's project (a CMEK key, a disk) judged against this project and `trusted:`."""

from __future__ import annotations

import pytest

from tests.detect.test_expr_networks_trust import TRUST, holds

KEY = "locations/europe-west1/keyRings/data/cryptoKeys/disks"


@pytest.mark.parametrize(("value", "expected"), [
    (f"projects/acme-prod/{KEY}", True),  # the event's own project
    (f"projects/acme-shared/{KEY}/cryptoKeyVersions/3", True),  # listed in trusted.gcp_projects
    (f"projects/ACME-Shared/{KEY}", True),  # project ids are lower case; a capitalised spelling is the same
    (f"projects/attacker-kms/{KEY}", False),
    (f"projects/acme-prod-evil/{KEY}", False),  # a longer name is another project
    (f"//cloudkms.googleapis.com/projects/attacker-kms/{KEY}", False),  # full resource-name form
])
def test_projects(value: str, expected: bool) -> None:
    assert holds({"trusted": "gcp_project"}, value, TRUST, cloud="gcp", account="acme-prod") is expected
    assert holds({"untrusted": "gcp_project"}, value, TRUST, cloud="gcp", account="acme-prod") is not expected


@pytest.mark.parametrize("value", [f"projects/attacker-kms/{KEY}", "not a resource name", "", "projects/"])
def test_foreign_projects_are_not_judged_without_a_configured_list(value: str) -> None:
    assert not holds({"untrusted": "gcp_project"}, value, cloud="gcp", account="acme-prod")


def test_service_agents_of_older_services_are_ours_but_look_alikes_are_not() -> None:
    agent = "serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com"
    assert holds({"trusted": "gcp_member"}, agent, TRUST, cloud="gcp", account="acme-prod")
    fake = "serviceAccount:service-123456789012@attacker-proj.iam.gserviceaccount.com"
    assert holds({"untrusted": "gcp_member"}, fake, TRUST, cloud="gcp", account="acme-prod")
