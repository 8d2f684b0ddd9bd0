"""AWS account snapshot from `aws iam get-account-authorization-details` (+ the credential report CSV).

The API collector hands the same merged structure to `snapshot_from_authz`, so files and the live API
give identical snapshots. Anything unreadable becomes a `Problem` naming the file and what was wrong;
the rest of the account is still read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson

from scanner.inventory.model import AccessKey, IamSnapshot, Policy, Principal, Problem
from scanner.inventory.policydoc import PolicyError, parse_document
from scanner.timeutil import parse_time

SECTIONS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


class Collector:
    """Collects problems while reading one export."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, message: str) -> None:
        self.problems.append(Problem(self.source, message))

    def policy(self, name: str, doc: Any, *, arn: str = "", kind: str = "inline", via: str = "",
               where: str = "") -> Policy | None:
        try:
            return Policy(name, arn, kind, parse_document(doc), via)
        except PolicyError as e:
            self.problem(f"{where}policy {name!r}: {e}; skipped")
            return None


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value or value in ("N/A", "no_information", "not_supported"):
        return None
    return parse_time(value.replace(" ", "T", 1))


def _list(d: Mapping[str, Any], key: str) -> list[Any]:
    v = d.get(key)
    return v if isinstance(v, list) else []


def _str(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    return v if isinstance(v, str) else ""


def account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def _managed(col: Collector, entries: list[Any]) -> dict[str, Policy]:
    out: dict[str, Policy] = {}
    for e in entries:
        if not isinstance(e, Mapping):
            col.problem("a Policies entry is not an object; skipped")
            continue
        arn = _str(e, "Arn")
        name = _str(e, "PolicyName") or arn.rsplit("/", 1)[-1]
        default = [v for v in _list(e, "PolicyVersionList") if isinstance(v, Mapping) and v.get("IsDefaultVersion")]
        if not default:
            col.problem(f"managed policy {name!r} has no default version; skipped")
            continue
        kind = "aws_managed" if arn.startswith("arn:aws:iam::aws:") else "managed"
        pol = col.policy(name, default[0].get("Document"), arn=arn, kind=kind)
        if pol is not None:
            out[arn] = pol
    return out


def _attached(col: Collector, owner: str, entries: list[Any], managed: Mapping[str, Policy],
              via: str = "") -> list[Policy]:
    out = []
    for e in entries:
        arn = _str(e, "PolicyArn") if isinstance(e, Mapping) else ""
        pol = managed.get(arn)
        if pol is None and arn == ADMIN_ARN:
            # AWS's own, unchanging: Allow * on *. An export filtered to local policies still names it.
            pol = Policy("AdministratorAccess", ADMIN_ARN, "aws_managed", parse_document(
                {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        if pol is None:
            col.problem(f"{owner}: attached policy {arn or e!r} is not in the export's Policies; not evaluated")
            continue
        out.append(replace(pol, via=via) if via else pol)
    return out


def _inline(col: Collector, owner: str, entries: list[Any], via: str = "") -> list[Policy]:
    out = []
    for e in entries:
        if not isinstance(e, Mapping):
            col.problem(f"{owner}: an inline policy entry is not an object; skipped")
            continue
        pol = col.policy(_str(e, "PolicyName") or "?", e.get("PolicyDocument"), via=via, where=f"{owner}: ")
        if pol is not None:
            out.append(pol)
    return out


def _tags(d: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((str(t.get("Key", "")), str(t.get("Value", ""))) for t in _list(d, "Tags") if isinstance(t, Mapping))


def _boundary(col: Collector, owner: str, d: Mapping[str, Any], managed: Mapping[str, Policy]) -> Policy | None:
    b = d.get("PermissionsBoundary")
    if not isinstance(b, Mapping):
        return None
    arn = _str(b, "PermissionsBoundaryArn")
    pol = managed.get(arn)
    if pol is None:
        col.problem(f"{owner}: permissions boundary {arn!r} is not in the export; evaluated without it")
        return None
    return replace(pol, kind="boundary")


def _entities(col: Collector, data: Mapping[str, Any], kind: str, managed: Mapping[str, Policy]
              ) -> Iterator[tuple[Mapping[str, Any], str, str, str, list[Policy]]]:
    """Each user / role entry with its name, ARN, label and own (attached + inline) policies."""
    for e in _list(data, f"{kind}DetailList"):
        if not isinstance(e, Mapping):
            col.problem(f"a {kind}DetailList entry is not an object; skipped")
            continue
        name, arn = _str(e, f"{kind}Name"), _str(e, "Arn")
        owner = f"{kind.lower()} {name}"
        pols = _attached(col, owner, _list(e, "AttachedManagedPolicies"), managed)
        pols += _inline(col, owner, _list(e, f"{kind}PolicyList"))
        yield e, name, arn, owner, pols


def snapshot_from_authz(data: Any, source: str, *, extra_problems: Iterable[Problem] = ()) -> IamSnapshot:
    """The account in `data`; with no principals and a problem saying why when nothing was usable."""
    col = Collector(source)
    col.problems.extend(extra_problems)
    if not isinstance(data, Mapping) or not any(k in data for k in SECTIONS):
        col.problem("not an authorization-details export (none of " + ", ".join(SECTIONS) + ")")
        return IamSnapshot("aws", "", source, problems=tuple(col.problems))
    for k in SECTIONS:
        if not isinstance(data.get(k), list):
            col.problem(f"section {k} is missing; what it holds is not in this report")
    managed = _managed(col, _list(data, "Policies"))
    groups: dict[str, list[Policy]] = {}
    account = ""
    for g in _list(data, "GroupDetailList"):
        if not isinstance(g, Mapping):
            continue
        name = _str(g, "GroupName")
        account = account or account_of(_str(g, "Arn"))
        groups[name] = (_attached(col, f"group {name}", _list(g, "AttachedManagedPolicies"), managed, via=name)
                        + _inline(col, f"group {name}", _list(g, "GroupPolicyList"), via=name))
    principals: list[Principal] = []
    for u, name, arn, owner, pols in _entities(col, data, "User", managed):
        account = account or account_of(arn)
        member_of = tuple(str(g) for g in _list(u, "GroupList"))
        for g in member_of:
            if g not in groups:
                col.problem(f"{owner}: group {g!r} is not in the export; its policies are not evaluated")
            pols += groups.get(g, [])
        principals.append(Principal("aws", account_of(arn), "user", name, arn, tags=_tags(u), policies=tuple(pols),
                                    boundary=_boundary(col, owner, u, managed), groups=member_of,
                                    created=_time(u.get("CreateDate"))))
    for r, name, arn, owner, pols in _entities(col, data, "Role", managed):
        account = account or account_of(arn)
        trust = col.policy("trust policy", r.get("AssumeRolePolicyDocument"), kind="trust", where=f"{owner}: ") \
            if r.get("AssumeRolePolicyDocument") is not None else None
        last = r.get("RoleLastUsed")
        principals.append(Principal("aws", account_of(arn), "role", name, arn, description=_str(r, "Description"),
                                    tags=_tags(r), policies=tuple(pols), boundary=_boundary(col, owner, r, managed),
                                    trust=trust, created=_time(r.get("CreateDate")),
                                    last_used=_time(last.get("LastUsedDate")) if isinstance(last, Mapping) else None))
    local = tuple(p for p in managed.values() if p.kind == "managed")
    return IamSnapshot("aws", account, source, tuple(principals), problems=tuple(col.problems),
                       managed_policies=local)


def load_authz_file(path: str) -> IamSnapshot:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        return IamSnapshot("aws", "", path, problems=(Problem(path, f"cannot read: {e.strerror or e}"),))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        why = "truncated JSON" if raw.strip() and raw.strip()[:1] in (b"{", b"[") else "not JSON"
        return IamSnapshot("aws", "", path, problems=(Problem(path, f"{why} ({e}); nothing read"),))
    return snapshot_from_authz(data, path)


# --- credential report -------------------------------------------------------------------------
def _flag(row: Mapping[str, str], key: str) -> bool | None:
    v = (row.get(key) or "").strip().lower()
    return True if v == "true" else False if v == "false" else None


def merge_credential_report(snap: IamSnapshot, text: str, source: str) -> IamSnapshot:
    """Keys (age, last use), MFA and console access per user; the root account as a principal."""
    problems = list(snap.problems)
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "arn" not in (rows[0].keys() if rows else ()) or "mfa_active" not in rows[0]:
        problems.append(Problem(source, "not an IAM credential report (needs columns user, arn, mfa_active…)"))
        return replace(snap, problems=tuple(problems))
    by_arn = {p.id: p for p in snap.principals}
    out: dict[str, Principal] = dict(by_arn)
    for row in rows:
        arn = row.get("arn") or ""
        keys = []
        for n in (1, 2):
            active = _flag(row, f"access_key_{n}_active")
            rotated = _time(row.get(f"access_key_{n}_last_rotated"))
            if active is None or (not active and rotated is None):
                continue
            keys.append(AccessKey(f"access_key_{n}", bool(active), rotated,
                                  _time(row.get(f"access_key_{n}_last_used_date"))))
        root = row.get("user") == "<root_account>"
        base = by_arn.get(arn) or Principal("aws", account_of(arn), "root" if root else "user",
                                            "root" if root else row.get("user", ""), arn)
        out[arn] = replace(base, keys=tuple(keys), mfa=_flag(row, "mfa_active"),
                           console=_flag(row, "password_enabled") if not root else True,
                           created=base.created or _time(row.get("user_creation_time")),
                           last_used=base.last_used or _time(row.get("password_last_used")))
    account = snap.account or next((p.account for p in out.values() if p.account), "")
    return replace(snap, account=account, principals=tuple(out.values()), problems=tuple(problems))


def load_credential_report(snap: IamSnapshot, path: str) -> IamSnapshot:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        return replace(snap, problems=(*snap.problems, Problem(path, f"cannot read: {e.strerror or e}")))
    return merge_credential_report(snap, text, path)
