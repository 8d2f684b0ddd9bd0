"""CloudTrail names → IAM names: the tables behind Event.operation and Event.permissions."""

from __future__ import annotations

import pytest

from scanner.normalize.aws_names import iam_prefix, permissions_for, strip_version_suffix


@pytest.mark.parametrize(
    ("name", "stripped"),
    [
        ("UpdateFunctionCode20150331v2", "UpdateFunctionCode"),
        ("GetFunctionConfiguration20150331v2", "GetFunctionConfiguration"),
        ("CreateFunction20150331", "CreateFunction"),
        ("ListTags20170331", "ListTags"),
        ("PutImage", "PutImage"),
        ("GetObject", "GetObject"),
        ("DescribeDBInstances", "DescribeDBInstances"),
        ("ModifyInstanceAttribute", "ModifyInstanceAttribute"),
        ("CreateVolume2", "CreateVolume2"),  # a digit that is not an API version stays
        ("", ""),
    ],
)
def test_strip_version_suffix(name: str, stripped: str) -> None:
    assert strip_version_suffix(name) == stripped


@pytest.mark.parametrize(
    ("source", "prefix"),
    [
        ("monitoring.amazonaws.com", "cloudwatch"),
        ("email.amazonaws.com", "ses"),
        ("api.ecr.amazonaws.com", "ecr"),
        ("ecr.amazonaws.com", "ecr"),
        ("streams.dynamodb.amazonaws.com", "dynamodb"),
        ("iam.amazonaws.com", "iam"),
        ("aws.health", "aws.health"),  # EventBridge sources have no IAM prefix and are left alone
    ],
)
def test_iam_prefix(source: str, prefix: str) -> None:
    assert iam_prefix(source) == prefix


def test_permissions_for_renamed_and_plain_actions() -> None:
    assert permissions_for("s3.amazonaws.com", "ListObjectsV2") == ("s3:ListBucket",)
    assert permissions_for("s3.amazonaws.com", "HeadObject") == ("s3:GetObject",)
    assert permissions_for("s3.amazonaws.com", "DeleteObjects") == ("s3:DeleteObject",)
    assert permissions_for("monitoring.amazonaws.com", "PutMetricAlarm") == ("cloudwatch:PutMetricAlarm",)
    assert permissions_for("iam.amazonaws.com", "CreateAccessKey") == ("iam:CreateAccessKey",)
    assert permissions_for("iam.amazonaws.com", "") == ()
