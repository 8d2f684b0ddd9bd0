"""Builders of real-shaped `get-account-authorization-details` documents, and one call from them to a Report."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from scanner.config import Trusted
from scanner.inventory.aws_authz import snapshot_from_authz
from scanner.inventory.model import IamSnapshot
from scanner.report.actions import ActionIndex, default_index
from scanner.report.build import Report, build_report
from scanner.report.settings import ReportSettings
from scanner.report.usage import Usage

ACCOUNT = "111122223333"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ASSUME_EC2 = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


@lru_cache(maxsize=1)
def index() -> ActionIndex:
    return default_index()


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions: str | list[str], resources: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(actions: str | list[str], resources: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def role(name: str, inline: dict[str, Any] | None = None, *, managed: list[str] = (),  # type: ignore[assignment]
         trust: dict[str, Any] | None = None, boundary: str | None = None, description: str = "",
         tags: list[dict[str, str]] | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {
        "Path": "/", "RoleName": name, "RoleId": "AROA" + name.upper()[:12],
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "CreateDate": "2025-01-01T00:00:00Z", "AssumeRolePolicyDocument": trust or ASSUME_EC2,
        "InstanceProfileList": [], "Tags": tags or [], "RoleLastUsed": {},
        "RolePolicyList": [{"PolicyName": pn, "PolicyDocument": d} for pn, d in (inline or {}).items()],
        "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in managed],
    }
    if description:
        r["Description"] = description
    if boundary:
        r["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return r


def user(name: str, inline: dict[str, Any] | None = None, *, managed: list[str] = (),  # type: ignore[assignment]
         groups: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"Path": "/", "UserName": name, "UserId": "AIDA" + name.upper()[:12],
            "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}", "CreateDate": "2025-01-01T00:00:00Z",
            "GroupList": list(groups), "Tags": [],
            "UserPolicyList": [{"PolicyName": pn, "PolicyDocument": d} for pn, d in (inline or {}).items()],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in managed]}


def group(name: str, inline: dict[str, Any] | None = None, *, managed: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"Path": "/", "GroupName": name, "GroupId": "AGPA" + name.upper()[:12],
            "Arn": f"arn:aws:iam::{ACCOUNT}:group/{name}", "CreateDate": "2025-01-01T00:00:00Z",
            "GroupPolicyList": [{"PolicyName": pn, "PolicyDocument": d} for pn, d in (inline or {}).items()],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[1], "PolicyArn": a} for a in managed]}


def managed(name: str, document: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}"
    return {"PolicyName": name, "PolicyId": "ANPA" + name.upper()[:12], "Arn": arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": 1, "IsAttachable": True,
            "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}]}


def authz(*, users: list[Any] = (), roles: list[Any] = (), groups: list[Any] = (),  # type: ignore[assignment]
          policies: list[Any] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"UserDetailList": list(users), "GroupDetailList": list(groups), "RoleDetailList": list(roles),
            "Policies": list(policies)}


def snapshot(data: dict[str, Any]) -> IamSnapshot:
    return snapshot_from_authz(data, "test-authz.json")


def report(*snaps: IamSnapshot, settings: ReportSettings | None = None, trusted: Trusted | None = None,
           usage: Usage | None = None, previous: dict[str, Any] | None = None) -> Report:
    return build_report(list(snaps), settings=settings or ReportSettings(), trusted=trusted or Trusted(), now=NOW,
                        index=index(), usage=usage, previous=previous)


def findings(rep: Report, rule: str, principal_suffix: str = "") -> list[Any]:
    return [f for f in rep.findings if f.rule == rule and f.principal.endswith(principal_suffix)]
