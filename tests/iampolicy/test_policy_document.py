"""Administrator-equivalence of policy documents, including the spellings that slip past string rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner.iampolicy.document import judge, parse_document


def doc(*statements: Any) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ADMIN = [
    doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*:*", "Resource": ["*"]}},  # object, not list
    doc({"Effect": "Allow", "Action": ["s3:GetObject", "*"], "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "IAM:*", "Resource": "*"}),                # action names ignore case
    doc({"Effect": "Allow", "Action": "i?m:*", "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "iam:Attach*", "Resource": "*"}),
    doc({"Effect": "Allow", "Action": ["iam:PutRolePolicy"], "Resource": "arn:aws:iam::*:role/*"}),
    doc({"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "*"}),   # everything but one action
    doc({"Effect": "Allow", "NotAction": ["iam:Delete*", "iam:Remove*"], "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::audit-logs/*"}),
    doc({"Effect": "Allow", "Action": "*", "Resource": "arn:*"}),
    # a condition the attacker satisfies at will does not make it safe
    doc({"Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}),
    doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, {"Effect": "Allow", "Action": "*", "Resource": "*"}),
]

NOT_ADMIN = [
    doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::app-bucket/*"}),
    doc({"Effect": "Deny", "Action": "*", "Resource": "*"}),                      # the quarantine shape
    # PowerUserAccess: everything except IAM, Organizations and Account
    doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:ListRoles"], "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}),
    doc({"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "arn:aws:iam::111122223333:role/app-task"}),
    doc(),
    {"Statement": "nonsense"},
]


@pytest.mark.parametrize("policy", ADMIN)
def test_admin_equivalent(policy: dict[str, Any]) -> None:
    v = judge(parse_document(json.dumps(policy)))
    assert v.admin and v.statement is not None, policy


@pytest.mark.parametrize("policy", NOT_ADMIN)
def test_not_admin(policy: dict[str, Any]) -> None:
    assert not judge(parse_document(json.dumps(policy))).admin


def test_documents_as_cloudtrail_records_them() -> None:
    url_encoded = ("%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C"
                   "%22Resource%22%3A%22*%22%7D%7D")
    assert judge(parse_document(url_encoded)).admin
    assert parse_document("{not json") is None
    assert parse_document("[1, 2]") is None
    assert parse_document("x" * 200_000) is None
