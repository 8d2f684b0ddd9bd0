"""ArnLike semantics, so a principal the detector allows is exactly one the exported SCP lets through."""

from __future__ import annotations

import pytest

from scanner.provenance.globs import arn_like, glob_match

ROLE = "arn:aws:iam::111122223333:role/deploy/gha-deploy"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("arn:aws:iam::111122223333:role/deploy/gha-deploy", ROLE, True),
        ("arn:aws:iam::*:role/*", ROLE, True),  # one * spans several path segments
        ("arn:aws:iam::111122223333:role/gha-*", ROLE, False),  # ...but must match from the start
        ("arn:aws:iam::111122223333:role/*/gha-deploy", ROLE, True),
        ("arn:aws:iam::11112222333?:role/deploy/gha-deploy", ROLE, True),
        ("arn:aws:iam::1111222233?:role/deploy/gha-deploy", ROLE, False),  # ? is exactly one character
        ("arn:aws:iam::111122223333:role/deploy/GHA-deploy", ROLE, False),  # case-sensitive
        ("arn:aws:iam::1*", ROLE, False),  # * does not leave its ARN part (the account)
        ("arn:aws:*", ROLE, False),  # a pattern with fewer than six parts matches nothing
        ("arn:*:*:*:*:*", ROLE, True),
        ("arn:aws:lambda:*:111122223333:function:checkout-*",
         "arn:aws:lambda:us-east-1:111122223333:function:checkout-api:8", True),  # the resource part keeps its colons
    ],
)
def test_arn_like(pattern: str, value: str, expected: bool) -> None:
    assert arn_like(pattern, value) is expected


def test_plain_globs_for_subjects_and_emails() -> None:
    assert glob_match("repo:acme/app:ref:refs/heads/*", "repo:acme/app:ref:refs/heads/release/1.2")
    assert not glob_match("repo:acme/app:ref:refs/heads/main", "repo:acme/app:ref:refs/heads/main-backup")
    assert glob_match("*@acme-ci.iam.gserviceaccount.com", "deployer@acme-ci.iam.gserviceaccount.com")
    assert not glob_match("[a-z]*", "deployer")  # no character classes: brackets are literal
    assert glob_match("a.b+c", "a.b+c") and not glob_match("a.b", "axb")  # regex syntax is literal
