"""One event against one policy: which allow entry holds, or which rule is broken."""

from __future__ import annotations

from scanner.provenance.judge import ALLOWED, LONG_LIVED, MISMATCH, UNEXPECTED, UNKNOWN, judge, needs_subject
from tests.provenance.conftest import DEPLOYER, GHA, MAIN, PIPELINE, policies

POLICY = f"""
deploy_policy:
  - name: aws
    cloud: aws
    allow:
      - principal: "{GHA}"
        oidc_subjects: ["{MAIN}", "repo:acme/app:environment:production"]
      - principal: "{PIPELINE}"
  - name: gcp
    cloud: gcp
    allow:
      - principal: "{DEPLOYER}"
        oidc_subjects: ["{MAIN}"]
        keyless: true
      - principal: "*@acme-prod.iam.gserviceaccount.com"
        keyless: true
"""
(AWS, GCP), _ = policies(POLICY)


def test_principal_without_conditions_is_allowed_whatever_the_subject() -> None:
    assert judge(AWS, PIPELINE, False, None).kind == ALLOWED
    assert not needs_subject(AWS, PIPELINE)


def test_subject_must_match_one_of_the_globs() -> None:
    assert judge(AWS, GHA, False, MAIN).kind == ALLOWED
    assert judge(AWS, GHA, False, "repo:acme/app:environment:production").kind == ALLOWED
    v = judge(AWS, GHA, False, "repo:acme/app:ref:refs/heads/feature/x")
    assert v.kind == MISMATCH and v.expected_subjects == (MAIN, "repo:acme/app:environment:production")
    assert judge(AWS, GHA, False, "").kind == MISMATCH  # a session without any federated subject


def test_unknown_subject_is_not_guessed() -> None:
    assert judge(AWS, GHA, False, None).kind == UNKNOWN
    assert needs_subject(AWS, GHA)


def test_no_matching_principal_is_unexpected() -> None:
    assert judge(AWS, "arn:aws:iam::111122223333:user/alice", True, "").kind == UNEXPECTED
    assert judge(GCP, "carol@acme.example", False, "").kind == UNEXPECTED


def test_keyless_breaks_on_a_long_lived_key_before_anything_else() -> None:
    assert judge(GCP, DEPLOYER, False, MAIN).kind == ALLOWED
    assert judge(GCP, DEPLOYER, True, "").kind == LONG_LIVED  # a key carries no subject either: the key is the story
    assert judge(GCP, "runner@acme-prod.iam.gserviceaccount.com", True, "").kind == LONG_LIVED
    assert judge(GCP, "runner@acme-prod.iam.gserviceaccount.com", False, "").kind == ALLOWED
