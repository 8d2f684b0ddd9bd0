"""GCP service-account keys in every wrapping users commit them in, and the identifiers revocation needs."""

from __future__ import annotations

import base64
import json

from scanner.secrets.model import Blob
from scanner.secrets.pack import load_pack
from scanner.secrets.registry import ENGINES
from scanner.secrets.scan import LocatedHit, SecretScanner
from tests.secrets.conftest import Fake

SCANNER = SecretScanner(load_pack(), dict(ENGINES))


def hits(text: str) -> list[LocatedHit]:
    return list(SCANNER.scan(Blob("f", text)).hits)


def _check(h: LocatedHit, sa: dict[str, str]) -> None:
    assert h.hit.rule == "secrets.gcp.service_account_key" and h.hit.severity == ""  # the detector's: critical
    ev = h.hit.evidence
    assert ev["client_email"] == sa["client_email"] and ev["private_key_id"] == sa["private_key_id"]
    assert ev["project_id"] == sa["project_id"] and h.hit.account == sa["project_id"]
    assert h.hit.principal == sa["client_email"]
    key = f"projects/{sa['project_id']}/serviceAccounts/{sa['client_email']}/keys/{sa['private_key_id']}"
    assert h.hit.resource == key


def test_a_key_file_is_one_finding_not_two(fake: Fake) -> None:
    sa = fake.gcp_sa()
    found = hits(json.dumps(sa, indent=2))
    assert len(found) == 1  # the PEM inside is the same secret: no separate private-key finding
    _check(found[0], sa)
    assert found[0].line == 5  # the private_key line


def test_a_key_escaped_in_a_ci_variable(fake: Fake) -> None:
    sa = fake.gcp_sa(project="acme-ci-2024", name="gitlab")
    [h] = hits(f"variables:\n  GCP_SA_KEY: {json.dumps(json.dumps(sa))}\n")
    _check(h, sa)
    assert h.hit.evidence["encoding"] == "escaped" and h.line == 2


def test_a_key_base64_encoded_in_a_kubernetes_secret(fake: Fake) -> None:
    sa = fake.gcp_sa()
    b64 = base64.b64encode(json.dumps(sa, indent=2).encode()).decode()
    [h] = hits(f"apiVersion: v1\nkind: Secret\ndata:\n  key.json: {b64}\n")
    _check(h, sa)
    assert h.hit.evidence["encoding"] == "base64" and h.line == 4


def test_two_keys_in_one_file_keep_their_own_identities(fake: Fake) -> None:
    a, b = fake.gcp_sa(project="proj-aaaa", name="a"), fake.gcp_sa(project="proj-bbbb", name="b")
    found = hits(json.dumps([a, b], indent=2))
    assert sorted(h.hit.principal for h in found) == [a["client_email"], b["client_email"]]


def test_quiet_without_key_material(fake: Fake) -> None:
    sa = fake.gcp_sa()
    del sa["private_key"]
    assert hits(json.dumps(sa, indent=2)) == []
    sa["private_key"] = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----\n"
    assert hits(json.dumps(sa, indent=2)) == []


def test_other_google_credentials(fake: Fake) -> None:
    text = (f'"refresh_token": "1//0{fake.s(60)}",\n"client_secret": "GOCSPX-{fake.s(28)}",\n'
            f'"token": "ya29.{fake.s(120)}",\nconst key = "AIza{fake.s(35)}";\n')
    assert [h.hit.rule for h in hits(text)] == ["secrets.gcp.oauth_refresh_token", "secrets.gcp.oauth_client_secret",
                                                "secrets.gcp.oauth_access_token", "secrets.gcp.api_key"]
