"""The network and trusted-party operators: attacker spellings of "the whole internet", and shares judged
against the configured `trusted:` lists (bound when the engine is built, or per rule test case)."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.config import Trusted
from scanner.detect.expr import ExprError, compile_expr
from scanner.model.event import Event
from tests.detect.test_expr import BASE

TRUST = Trusted(aws_accounts=("444455556666",), aws_organizations=("o-a1b2c3d4e5",),
                aws_organizational_units=("ou-ab12-cdef3456",),
                gcp_workload_identity_pools=("projects/123456789012/locations/global/workloadIdentityPools/github",),
                gcp_domains=("acme.example",), gcp_projects=("acme-shared",))


def ev(value: Any, cloud: str = "aws", account: str = "111122223333") -> Event:
    return Event(**{**BASE, "cloud": cloud, "account": account, "raw": {"v": value}})


def holds(cond: Any, value: Any, trusted: Trusted | None = None, **kw: Any) -> bool:
    return compile_expr({"raw.v": cond}, trusted=trusted)(ev(value, **kw))


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "0.0.0.0/00", "000.000.000.000/0", "10.0.0.0/0", " 0.0.0.0/0",
                                  "::/0", "0::0/0", "0:0:0:0:0:0:0:0/0", "::/000", "::ffff:0:0/96",
                                  "::ffff:0.0.0.0/96"])
def test_every_spelling_of_the_world_is_the_world(cidr: str) -> None:
    assert holds({"cidr_world": True}, cidr)
    assert not holds({"cidr_world": False}, cidr)


@pytest.mark.parametrize("cidr", ["0.0.0.0/1", "10.0.0.0/8", "203.0.113.7/32", "203.0.113.7", "2001:db8::/32",
                                  "0.0.0.0/0garbage", "", "300.0.0.0/0", 0])
def test_narrower_networks_and_junk_are_not_the_world(cidr: Any) -> None:
    assert not holds({"cidr_world": True}, cidr)


def test_world_in_a_list_of_ranges() -> None:
    assert holds({"cidr_world": True}, ["10.0.0.0/8", "0.0.0.0/00"])


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("aws_account", "444455556666", True),                       # listed
    ("aws_account", "111122223333", True),                       # the event's own account
    ("aws_account", "012345678912", False),
    ("aws_account", "arn:aws:iam::444455556666:root", True),
    ("aws_account", "arn:aws:iam::012345678912:root", False),
    # the account field, not twelve digits at the end of a key's UUID
    ("aws_account", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-123456789012", True),
    ("aws_account", "arn:aws:kms:us-east-1:999988887777:key/1234abcd-12ab-34cd-56ef-444455556666", False),
    ("aws_organization", "arn:aws:organizations::444455556666:organization/o-a1b2c3d4e5", True),
    ("aws_organization", "arn:aws:organizations::999988887777:organization/o-zzzzzzzzzz", False),
    ("aws_organizational_unit", "arn:aws:organizations::444455556666:ou/o-zzzzzzzzzz/ou-ab12-cdef3456", True),
    # an OU of a trusted organization is trusted even when the OU is not listed itself
    ("aws_organizational_unit", "arn:aws:organizations::444455556666:ou/o-a1b2c3d4e5/ou-9z9z-99999999", True),
    ("aws_organizational_unit", "arn:aws:organizations::999988887777:ou/o-zzzzzzzzzz/ou-9z9z-99999999", False),
])
def test_aws_parties(kind: str, value: str, expected: bool) -> None:
    assert holds({"trusted": kind}, value, TRUST) is expected
    assert holds({"untrusted": kind}, value, TRUST) is not expected


GH = "projects/123456789012/locations/global/workloadIdentityPools/github"


@pytest.mark.parametrize(("value", "expected"), [
    (f"principalSet://iam.googleapis.com/{GH}/attribute.repository/acme/app", True),
    (f"principal://iam.googleapis.com/{GH}/subject/repo:acme/app:ref:refs/heads/main", True),
    # a pool of the same name in the attacker's project
    ("principalSet://iam.googleapis.com/projects/999/locations/global/workloadIdentityPools/github/*", False),
    # a prefix of a trusted pool's name is another pool
    (f"principalSet://iam.googleapis.com/{GH}-evil/*", False),
    ("user:alice@acme.example", True),
    ("user:mallory@gmail.com", False),
    ("group:admins@ACME.example", True),
    ("serviceAccount:deployer@acme-shared.iam.gserviceaccount.com", True),
    ("serviceAccount:app@acme-prod.iam.gserviceaccount.com", True),    # the event's own project
    ("serviceAccount:x@attacker-proj.iam.gserviceaccount.com", False),
])
def test_gcp_members(value: str, expected: bool) -> None:
    assert holds({"trusted": "gcp_member"}, value, TRUST, cloud="gcp", account="acme-prod") is expected
    assert holds({"untrusted": "gcp_member"}, value, TRUST, cloud="gcp", account="acme-prod") is not expected


@pytest.mark.parametrize("value", ["user:alice@acme.example", "user:mallory@gmail.com",
                                   "serviceAccount:x@attacker-proj.iam.gserviceaccount.com"])
def test_people_and_foreign_service_accounts_are_not_judged_without_configured_lists(value: str) -> None:
    assert not holds({"untrusted": "gcp_member"}, value, cloud="gcp", account="acme-prod")
    assert not holds({"trusted": "gcp_member"}, value, cloud="gcp", account="acme-prod")


def test_google_managed_service_agents_are_ours() -> None:
    for agent in ("serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com",
                  "serviceAccount:123456789012@cloudbuild.gserviceaccount.com"):
        assert holds({"trusted": "gcp_member"}, agent, TRUST, cloud="gcp", account="acme-prod")


def test_one_untrusted_account_among_trusted_ones_is_enough() -> None:
    assert holds({"untrusted": "aws_account"}, ["444455556666", "012345678912"], TRUST)
    assert not holds({"untrusted": "aws_account"}, ["444455556666", "111122223333"], TRUST)


def test_values_of_another_kind_satisfy_neither() -> None:
    for value in ("all", "*", None, 12, "allUsers"):
        assert not holds({"untrusted": "aws_account"}, value, TRUST)
        assert not holds({"trusted": "aws_account"}, value, TRUST)


def test_without_configured_lists_only_the_own_account_is_trusted() -> None:
    assert holds({"untrusted": "aws_account"}, "444455556666")
    assert not holds({"untrusted": "aws_account"}, "111122223333")


@pytest.mark.parametrize(("cond", "message"), [
    ({"trusted": "aws_acount"}, "trusted takes one of aws_account"),
    ({"untrusted": ["aws_account"]}, "untrusted takes one of"),
    ({"cidr_world": "yes"}, "cidr_world takes true or false"),
])
def test_bad_operator_arguments_are_named(cond: Any, message: str) -> None:
    with pytest.raises(ExprError, match=message):
        compile_expr({"raw.v": cond})


def test_the_configured_trusted_lists_reach_the_rule_pack() -> None:
    """`trusted:` in auditwarden.yaml silences a share to a listed account in a real scan's engine."""
    from scanner.detectors import build_detectors, parse_settings
    from scanner.normalize import normalize
    from scanner.sources.records import CLOUDTRAIL, RawRecord
    from scanner.state.memory import MemoryStore

    rec = {"eventVersion": "1.09", "eventID": "e-share", "eventTime": "2024-05-12T20:31:08Z",
           "eventSource": "ec2.amazonaws.com", "eventName": "ModifySnapshotAttribute",
           "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
           "requestParameters": {"snapshotId": "snap-01b3f7d87a02559a1",
                                 "createVolumePermission": {"add": {"items": [{"userId": "444455556666"}]}}},
           "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice",
                            "accountId": "111122223333"}}
    event = normalize(RawRecord(CLOUDTRAIL, rec, "t.json"))

    def rules_fired(config_text: str) -> list[str]:
        cfg = parse_settings(config_text, "auditwarden.yaml")
        engine = next(d for d in build_detectors(cfg, MemoryStore()) if d.name == "rules")
        return [f.rule for f in engine.evaluate(event)]

    assert "aws.sharing.cross_account" in rules_fired("detectors: {provenance: false}\n")
    assert "aws.sharing.cross_account" not in rules_fired(
        "detectors: {provenance: false}\ntrusted: {aws_accounts: ['444455556666']}\n")


def test_default_service_accounts_of_another_project_are_not_ours() -> None:
    # App Engine's default account is named after its project's ID: an attacker's is judged like any
    # account of the attacker's project (before, every default account passed as a service agent)
    own, foreign = ("serviceAccount:acme-prod@appspot.gserviceaccount.com",
                    "serviceAccount:attacker-proj@appspot.gserviceaccount.com")
    assert holds({"trusted": "gcp_member"}, own, TRUST, cloud="gcp", account="acme-prod")
    assert holds({"untrusted": "gcp_member"}, foreign, TRUST, cloud="gcp", account="acme-prod")
    # Compute Engine's is named after the project's number, which a log does not give: judged once
    # gcp_projects lists numbers, and counted as ours until then (else every project's own would fire)
    theirs = "serviceAccount:999999999999-compute@developer.gserviceaccount.com"
    assert holds({"trusted": "gcp_member"}, theirs, TRUST, cloud="gcp", account="acme-prod")
    numbered = Trusted(gcp_projects=("acme-prod", "123456789012"))
    assert holds({"untrusted": "gcp_member"}, theirs, numbered, cloud="gcp", account="acme-prod")
    assert holds({"trusted": "gcp_member"}, "serviceAccount:123456789012-compute@developer.gserviceaccount.com",
                 numbered, cloud="gcp", account="acme-prod")
    assert holds({"untrusted": "gcp_member"}, "serviceAccount:999999999999@cloudbuild.gserviceaccount.com",
                 numbered, cloud="gcp", account="acme-prod")
