"""GCP project snapshots: from `gcloud … --format json` files in a folder, or from the IAM / Resource Manager APIs.

Files are recognised by shape, not by name: a service-account list, a key list (one per account),
a project IAM policy, role definitions (`gcloud iam roles describe`, one or a list) and, optionally,
Policy Analyzer key-activity results (`serviceAccountKeyLastAuthentication`) — the only place that
says when a key was last used. A file of any other kind is named as a problem and skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from scanner.inventory.model import AccessKey, IamSnapshot, Principal, Problem
from scanner.timeutil import parse_time

SA_PREFIX = "serviceAccount:"


@dataclass
class _Parts:
    accounts: list[Mapping[str, Any]] = field(default_factory=list)
    keys: list[Mapping[str, Any]] = field(default_factory=list)
    bindings: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    roles: dict[str, frozenset[str]] = field(default_factory=dict)
    key_use: dict[str, datetime] = field(default_factory=dict)  # key id → last authentication
    has_activity: bool = False
    has_policy: bool = False
    problems: list[Problem] = field(default_factory=list)


def _kind(data: Any) -> str:
    items = data if isinstance(data, list) else [data]
    first = next((x for x in items if isinstance(x, Mapping)), None)
    if isinstance(data, Mapping) and "bindings" in data:
        return "policy"
    if first is None:
        return "empty" if isinstance(data, list) and not data else "unknown"
    if "includedPermissions" in first or (str(first.get("name", "")).startswith(("roles/", "projects/"))
                                          and "/roles/" in "/" + str(first.get("name", "")) and "email" not in first):
        return "roles"
    if "email" in first and ("uniqueId" in first or "/serviceAccounts/" in str(first.get("name"))):
        return "accounts"
    if "keyType" in first or "/keys/" in str(first.get("name", "")):
        return "keys"
    if "activity" in first and "activityType" in first:
        return "activity"
    return "unknown"


def _add(parts: _Parts, data: Any, source: str) -> None:
    kind = _kind(data)
    items = [x for x in (data if isinstance(data, list) else [data]) if isinstance(x, Mapping)]
    if kind == "policy":
        parts.has_policy = True
        for b in data.get("bindings") or []:
            if isinstance(b, Mapping) and isinstance(b.get("role"), str) and isinstance(b.get("members"), list):
                if b.get("condition"):
                    parts.problems.append(Problem(source, f"conditional binding of {b['role']} not judged "
                                                          "(only unconditional grants are standing privilege)"))
                    continue
                parts.bindings.append((b["role"], tuple(str(m) for m in b["members"])))
            else:
                parts.problems.append(Problem(source, "a binding without role/members; skipped"))
    elif kind == "roles":
        for r in items:
            perms = r.get("includedPermissions")
            if not isinstance(perms, list):  # `gcloud iam roles list` omits them; `describe` has them
                parts.problems.append(Problem(source, f"role {r.get('name')} has no includedPermissions (use "
                                                      "`gcloud iam roles describe`); its permissions are unknown"))
                continue
            parts.roles[str(r.get("name"))] = frozenset(str(p) for p in perms if isinstance(p, str))
    elif kind == "accounts":
        parts.accounts.extend(items)
    elif kind == "keys":
        parts.keys.extend(items)
    elif kind == "activity":
        parts.has_activity = True
        for a in items:
            act = a.get("activity") or {}
            key = str((act.get("serviceAccountKey") or {}).get("fullResourceName", "")).rsplit("/", 1)[-1]
            when = parse_time(str(act.get("lastAuthenticatedTime", "")))
            if key and when:
                parts.key_use[key] = when
    elif kind == "empty":
        pass
    else:
        parts.problems.append(Problem(source, "not a GCP IAM export this reads (expected a service-account list, "
                                              "key list, project IAM policy, role definitions or key activity)"))


def _project_of(parts: _Parts) -> str:
    for a in parts.accounts:
        if a.get("projectId"):
            return str(a["projectId"])
    for a in parts.accounts:
        name = str(a.get("name", ""))
        if name.startswith("projects/"):
            return name.split("/")[1]
    return ""


def _build(parts: _Parts, source: str, project: str) -> IamSnapshot:
    project = project or _project_of(parts)
    roles_of: dict[str, list[str]] = defaultdict(list)
    for role, members in parts.bindings:
        for m in members:
            roles_of[m].append(role)
    keys_of: dict[str, list[AccessKey]] = defaultdict(list)
    for k in parts.keys:
        name = str(k.get("name", ""))
        if "/serviceAccounts/" not in name:
            continue
        email = name.split("/serviceAccounts/")[1].split("/")[0]
        kid = name.rsplit("/", 1)[-1]
        keys_of[email].append(AccessKey(kid, not k.get("disabled", False), parse_time(str(k.get("validAfterTime", ""))),
                                        parts.key_use.get(kid), user_managed=k.get("keyType") != "SYSTEM_MANAGED",
                                        last_used_known=parts.has_activity))
    principals: list[Principal] = []
    seen: set[str] = set()
    for a in parts.accounts:
        email = str(a.get("email", ""))
        member = SA_PREFIX + email
        seen.add(member)
        principals.append(Principal("gcp", project, "service_account", email, member,
                                    description=str(a.get("description", "") or a.get("displayName", "") or ""),
                                    keys=tuple(keys_of.get(email, ())), roles=tuple(roles_of.get(member, ())),
                                    disabled=bool(a.get("disabled", False))))
    for member, roles in roles_of.items():
        if member in seen:
            continue
        kind = "service_account" if member.startswith(SA_PREFIX) else "member"
        principals.append(Principal("gcp", project, kind, member.split(":", 1)[-1], member, roles=tuple(roles),
                                    keys=tuple(keys_of.get(member[len(SA_PREFIX):], ())) if kind != "member" else ()))
    problems = list(parts.problems)
    if parts.accounts and not parts.has_policy:
        problems.append(Problem(source, "no project IAM policy found; role grants are not in this report"))
    return IamSnapshot("gcp", project, source, tuple(principals), dict(parts.roles), tuple(problems))


def load_gcp_dir(folder: str, project: str = "") -> IamSnapshot:
    parts = _Parts()
    root = Path(folder)
    if not root.is_dir():
        return IamSnapshot("gcp", project, folder, problems=(Problem(folder, "not a directory"),))
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as e:
            parts.problems.append(Problem(str(path), f"not JSON ({e}); skipped"))
            continue
        except OSError as e:
            parts.problems.append(Problem(str(path), f"cannot read: {e.strerror or e}"))
            continue
        _add(parts, data, str(path))
    if not files:
        parts.problems.append(Problem(folder, "no files"))
    return _build(parts, folder, project)


# --- API ---------------------------------------------------------------------------------------
def _role_permissions(iam: Any, roles: Iterable[str], problems: list[Problem],
                      source: str) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for role in sorted(set(roles)):
        try:
            out[role] = frozenset(iam.get_role(request={"name": role}).included_permissions)
        except Exception as e:  # one role we cannot read must not cost the project
            problems.append(Problem(source, f"role {role}: {type(e).__name__}: {e}"))
    return out


def collect_gcp(project: str, iam: Any, projects: Any) -> IamSnapshot:
    """`iam` is a google-cloud-iam IAMClient, `projects` a resourcemanager ProjectsClient (tests inject local ones)."""
    from google.api_core import exceptions

    source = f"gcp api (projects/{project})"
    parts = _Parts()
    try:
        for sa in iam.list_service_accounts(name=f"projects/{project}"):
            parts.accounts.append({"email": sa.email, "uniqueId": sa.unique_id, "projectId": sa.project_id,
                                   "name": sa.name, "description": sa.description or sa.display_name,
                                   "disabled": sa.disabled})
            for k in iam.list_service_account_keys(name=sa.name).keys:
                parts.keys.append({"name": k.name, "keyType": "USER_MANAGED" if k.key_type == 1 else "SYSTEM_MANAGED",
                                   "disabled": k.disabled,
                                   "validAfterTime": k.valid_after_time.isoformat() if k.valid_after_time else ""})
    except exceptions.GoogleAPICallError as e:
        parts.problems.append(Problem(source, f"service accounts: {e.message}"))
    try:
        pol = projects.get_iam_policy(resource=f"projects/{project}")
        parts.has_policy = True
        parts.bindings = [(b.role, tuple(b.members)) for b in pol.bindings if not b.condition.expression]
    except exceptions.GoogleAPICallError as e:
        parts.problems.append(Problem(source, f"project IAM policy: {e.message}"))
    parts.roles = _role_permissions(iam, (r for r, _ in parts.bindings), parts.problems, source)
    return _build(parts, source, project)
