"""Origins: who is behind a session, from STS logins, role chains and GCP delegation chains."""

from __future__ import annotations

from pathlib import Path

from scanner.provenance.judge import ALLOWED, MISMATCH, ORIGIN, judge
from scanner.provenance.origin import HUMAN, OIDC, ROLE, SERVICE, Origin, gcp_origin, gcp_pool
from scanner.provenance.sessions import LINK_PREFIX, link_origin
from scanner.state.memory import MemoryStore
from tests.provenance.conftest import ACCT, GHA, MAIN, PIPELINE, detector, events, policies, run
from tests.provenance.records import (
    assume_role,
    ecs_deploy,
    first_party,
    gcp_deploy,
    iam_user,
    role_session,
    web_identity_login,
    write_jsonl,
    write_records,
)

POOL = "projects/123456789012/locations/global/workloadIdentityPools/github"


def _gcp(tmp_path: Path, delegation: list[dict[str, object]]) -> Origin:
    [ev] = events(write_jsonl(tmp_path / "g.jsonl", gcp_deploy("x", "deployer@acme-ci.iam.gserviceaccount.com",
                                                               delegation)))
    return gcp_origin(ev)


def test_gcp_origin_is_the_first_principal_of_the_delegation_chain(tmp_path: Path) -> None:
    wif = {"principalSubject": f"principal://iam.googleapis.com/{POOL}/subject/{MAIN}"}
    o = _gcp(tmp_path, [wif, first_party("hop@acme-ci.iam.gserviceaccount.com")])
    assert (o.kind, o.subject, o.provider, o.chain) == (OIDC, MAIN, POOL, ("hop@acme-ci.iam.gserviceaccount.com",))
    assert _gcp(tmp_path, [first_party("dave@acme.example")]).kind == HUMAN
    assert _gcp(tmp_path, [first_party("other@acme-ci.iam.gserviceaccount.com")]).kind == ROLE
    assert _gcp(tmp_path, [first_party("service-1@gcp-sa-cloudbuild.iam.gserviceaccount.com")]).kind == SERVICE
    gke = _gcp(tmp_path, [{"principalSubject": "serviceAccount:acme-prod.svc.id.goog[ci/deployer]"}])
    assert (gke.kind, gke.subject, gke.provider) == (OIDC, "ci/deployer", "acme-prod.svc.id.goog")
    assert gcp_pool(f"principalSet://iam.googleapis.com/{POOL}/attribute.repository/acme/app") == POOL


def test_a_project_named_like_a_service_agent_domain_is_not_one(tmp_path: Path) -> None:
    # Only Google's own domains make a service agent; a customer SA merely named like one is a role.
    assert _gcp(tmp_path, [first_party("gcp-sa-cloudbuild@evil-proj.iam.gserviceaccount.com")]).kind == ROLE


def test_an_oidc_login_the_entry_does_not_name_needs_via() -> None:
    (pol,), _ = policies(f'deploy_policy:\n  - {{name: p, cloud: aws, allow: [{{principal: "{PIPELINE}"}}]}}\n')
    gh = Origin(OIDC, MAIN, MAIN, "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com")
    assert judge(pol, PIPELINE, False, MAIN, gh).kind == ORIGIN
    (pol,), _ = policies(f'deploy_policy:\n  - {{name: p, cloud: aws, allow: [{{principal: "{PIPELINE}", '
                         f'via: ["repo:acme/*"]}}]}}\n')
    assert judge(pol, PIPELINE, False, MAIN, gh).kind == ALLOWED
    (pol,), _ = policies(f'deploy_policy:\n  - {{name: p, cloud: aws, allow: [{{principal: "{GHA}", '
                         f'oidc_provider: "arn:aws:iam::*:oidc-provider/token.actions.githubusercontent.com"}}]}}\n')
    assert judge(pol, GHA, False, MAIN, gh).kind == ALLOWED  # a pinned provider names the identity too
    assert judge(pol, GHA, False, MAIN, Origin(OIDC, MAIN, MAIN, "arn:aws:iam::1:oidc-provider/x")).kind == MISMATCH


def test_links_that_loop_end_and_links_from_before_origins_still_link() -> None:
    state = MemoryStore()
    for key, caller in (("ASIAA", "ASIAB"), ("ASIAB", "ASIAA")):
        state.put(LINK_PREFIX + key, {"role": "r", "issued": "2024-09-10T14:00:00Z", "caller_key": caller,
                                      "origin": {"kind": "role", "principal": "r"}}, 1725976800.0, 3600)
    link = state.get(LINK_PREFIX + "ASIAA", 1725976800.0)
    assert link_origin(state, link).kind == ROLE
    old = {"subject": MAIN, "role": GHA, "provider": "p", "issued": "2024-09-10T14:00:00Z", "event_id": "e"}
    o = link_origin(state, old)
    assert (o.kind, o.subject, o.issuing["event_id"]) == (OIDC, MAIN, "e")


def test_a_deep_chain_keeps_the_person_who_started_it(tmp_path: Path) -> None:
    start = assume_role("a1", iam_user("mallory"), "hop-one", "m1", "ASIAQNZGKJ3EXAMPLE70")
    hop = assume_role("a2", role_session("hop-one", "m1", "ASIAQNZGKJ3EXAMPLE70"), "codepipeline-prod-role", "m2",
                      "ASIAQNZGKJ3EXAMPLE71")
    deploy = ecs_deploy("d1", role_session("codepipeline-prod-role", "m2", "ASIAQNZGKJ3EXAMPLE71"))
    text = f'deploy_policy:\n  - {{name: p, cloud: aws, allow: [{{principal: "{PIPELINE}"}}]}}\n'
    # Sessions are remembered for allowlisted roles (and web identity / SAML first hops): hop-one is none,
    # so its own origin is unknown and the origin is the role in between, still a finding.
    [f] = run(detector(text), events(write_records(tmp_path / "r.json", start, hop, deploy)))
    assert (f.rule, f.evidence["origin"]) == ("provenance.unexpected_origin", f"arn:aws:iam::{ACCT}:role/hop-one")
    text = (f'deploy_policy:\n  - {{name: p, cloud: aws, allow: [{{principal: "{PIPELINE}"}}, '
            f'{{principal: "arn:aws:iam::{ACCT}:role/hop-one"}}]}}\n')
    [f] = run(detector(text), events(write_records(tmp_path / "r.json", start, hop, deploy)))
    assert (f.evidence["origin"], f.evidence["origin_kind"], f.evidence["origin_chain"], f.severity) == (
        f"arn:aws:iam::{ACCT}:user/mallory", HUMAN, [f"arn:aws:iam::{ACCT}:role/hop-one"], "critical")


def test_web_identity_logins_of_unpinned_providers_are_not_stored_when_every_entry_pins_one(tmp_path: Path) -> None:
    det = detector(f'deploy_policy:\n  - name: p\n    cloud: aws\n    allow:\n      - principal: "{GHA}"\n'
                   f'        oidc_provider: "arn:aws:iam::{ACCT}:oidc-provider/token.actions.githubusercontent.com"\n'
                   f'        oidc_subjects: ["{MAIN}"]\n')
    eks = f"arn:aws:iam::{ACCT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
    pod = web_identity_login("p1", "pod-role", "system:serviceaccount:prod:app", "ASIAQNZGKJ3EXAMPLE72", provider=eks)
    gh = web_identity_login("g1", "bootstrap", MAIN, "ASIAQNZGKJ3EXAMPLE73")
    for ev in events(write_records(tmp_path / "l.json", pod, gh)):
        det.evaluate(ev)
    assert det.state.get(LINK_PREFIX + "ASIAQNZGKJ3EXAMPLE72", 1725976900.0) is None
    assert det.state.get(LINK_PREFIX + "ASIAQNZGKJ3EXAMPLE73", 1725976900.0) is not None


def test_a_federated_identity_acting_itself_is_its_own_origin(tmp_path: Path) -> None:
    subject = f"principal://iam.googleapis.com/{POOL}/subject/{MAIN}"
    rec = gcp_deploy("fed-1", "", None)
    rec["protoPayload"]["authenticationInfo"] = {"principalSubject": subject}
    [ev] = events(write_jsonl(tmp_path / "g.jsonl", rec))
    o = gcp_origin(ev)
    assert (o.kind, o.subject, o.provider) == ("self", MAIN, POOL)
    text = f'deploy_policy:\n  - {{name: g, cloud: gcp, allow: [{{principal: "{subject}"}}]}}\n'
    assert run(detector(text), [ev]) == []  # direct workload identity access, allowed by its own name
