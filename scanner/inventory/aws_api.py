"""AWS account snapshot from the live IAM API (boto3; `AWS_ENDPOINT_URL` is honoured by boto3 itself).

Pages through `get_account_authorization_details` into the same structure the CLI writes, so the
file reader turns it into a snapshot; then adds each user's access keys with last use and the
credential report (MFA, console, root keys). Clients are passed in; nothing is made at import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from scanner.inventory.aws_authz import SECTIONS, merge_credential_report, snapshot_from_authz
from scanner.inventory.model import AccessKey, IamSnapshot, Problem

SOURCE = "aws iam api"


#: everything but AWS-managed policies: those are fetched one by one, only the ones in use (an account
#: holds a few dozen of AWS's ~1,300, and listing all of them is most of the call's cost)
FILTER = ["User", "Role", "Group", "LocalManagedPolicy"]


def _aws_managed_in_use(iam: Any, merged: dict[str, list[Any]]) -> list[dict[str, Any]]:
    have = {p.get("Arn") for p in merged["Policies"]}
    wanted: set[str] = set()
    for k in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for e in merged[k]:
            wanted.update(a.get("PolicyArn", "") for a in e.get("AttachedManagedPolicies", []))
            wanted.add((e.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""))
    out = []
    for arn in sorted(a for a in wanted if a.startswith("arn:aws:iam::aws:") and a not in have):
        pol = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])["PolicyVersion"]
        out.append({"PolicyName": pol.get("PolicyName", arn.rsplit("/", 1)[-1]), "Arn": arn,
                    "DefaultVersionId": pol["DefaultVersionId"],
                    "PolicyVersionList": [{"Document": version["Document"], "VersionId": pol["DefaultVersionId"],
                                           "IsDefaultVersion": True}]})
    return out


def _authz(iam: Any) -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {k: [] for k in SECTIONS}
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=FILTER):
        for k in SECTIONS:
            merged[k].extend(page.get(k, []))
    merged["Policies"].extend(_aws_managed_in_use(iam, merged))
    # role details carry no Description; ListRoles does (the report shows it, escaped)
    described = {r["Arn"]: r["Description"] for page in iam.get_paginator("list_roles").paginate()
                 for r in page.get("Roles", []) if r.get("Description")}
    for r in merged["RoleDetailList"]:
        if r.get("Arn") in described:
            r.setdefault("Description", described[r["Arn"]])
    return merged


def _keys(iam: Any, user: str) -> tuple[AccessKey, ...]:
    out = []
    for page in iam.get_paginator("list_access_keys").paginate(UserName=user):
        for k in page.get("AccessKeyMetadata", []):
            last = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"]).get("AccessKeyLastUsed", {})
            out.append(AccessKey(k["AccessKeyId"], k.get("Status") == "Active", k.get("CreateDate"),
                                 last.get("LastUsedDate")))
    return tuple(out)


def _credential_report(iam: Any, sleep: Callable[[float], None], attempts: int) -> str:
    for _ in range(attempts):
        if iam.generate_credential_report().get("State") == "COMPLETE":
            break
        sleep(1.0)
    body = iam.get_credential_report()["Content"]
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)


def collect(iam: Any, *, sleep: Callable[[float], None] = time.sleep, report_attempts: int = 10) -> IamSnapshot:
    """`iam` is a boto3 IAM client (tests point it at moto's server)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        snap = snapshot_from_authz(_authz(iam), SOURCE)
    except (BotoCoreError, ClientError) as e:
        return IamSnapshot("aws", "", SOURCE, problems=(Problem(SOURCE, f"get_account_authorization_details: {e}"),))
    problems = list(snap.problems)
    principals = []
    for p in snap.principals:
        if p.kind == "user":
            try:
                p = replace(p, keys=_keys(iam, p.name))
            except (BotoCoreError, ClientError) as e:
                problems.append(Problem(SOURCE, f"access keys of {p.name}: {e}"))
        principals.append(p)
    snap = replace(snap, principals=tuple(principals), problems=tuple(problems))
    try:
        text = _credential_report(iam, sleep, report_attempts)
    except (BotoCoreError, ClientError) as e:
        return replace(snap, problems=(*snap.problems, Problem(SOURCE, f"credential report: {e}")))
    keyed = {p.id: p.keys for p in snap.principals}
    merged = merge_credential_report(snap, text, SOURCE)
    # the report's key slots lack ids; the API's list_access_keys answer is the better record where we have it
    return replace(merged, principals=tuple(replace(p, keys=keyed[p.id]) if keyed.get(p.id) else p
                                            for p in merged.principals))
