"""The deploy allowlist as prevention: an AWS SCP and a GCP IAM deny policy from the same policies.

AWS: per policy, one Deny of the catalog's IAM actions unless `aws:PrincipalArn` is ArnLike one of
the allowed principals (ArnNotLike), scoped to the policy's resources when it names some. An SCP
holds at most 5,120 characters; statements are packed into as few documents as fit (written
without whitespace) and a statement too big on its own is split by actions.

GCP: per policy, one deny policy denying the catalog's permissions to `principalSet://goog/public:all`
with the allowed principals as exceptions. Only permissions known to be usable in deny policies go
in (catalog `deny_supported`); deny rules cannot be scoped by resource name.

What neither can express (OIDC subjects, keyless, account/project attachment) is returned as notes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from scanner.provenance.catalog import Catalog, CatalogEntry
from scanner.provenance.globs import glob_match
from scanner.provenance.policy import AllowEntry, DeployPolicy
from scanner.yamlio import YamlError

#: AWS Organizations' limit on one SCP document.
SCP_MAX_CHARS = 5120
ALL_PRINCIPALS = "principalSet://goog/public:all"
GCP_DISPLAY_NAME_MAX = 63


@dataclass(frozen=True, slots=True)
class Export:
    documents: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]


def compact(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def _where(policy: DeployPolicy, line: int = 0) -> tuple[str, int]:
    path, _, at = policy.source.rpartition(":")
    return path, line or (int(at) if at.isdigit() else 0)


def _sid(name: str, n: int) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    return "AuditwardenDeploy" + "".join(w[:1].upper() + w[1:] for w in words)[:80] + str(n)


# --- AWS -------------------------------------------------------------------------------------
def _prefix(action: str) -> str:
    return action.split(":", 1)[0]


def _resource_service(pattern: str) -> str:
    parts = pattern.split(":", 5)
    return parts[2] if len(parts) == 6 and parts[0] == "arn" else "*"


def _aws_groups(policy: DeployPolicy, entries: Sequence[CatalogEntry],
                buckets: Sequence[str]) -> list[tuple[list[str], list[str] | str]]:
    """(actions, Resource) pairs for one policy."""
    if policy.resources:
        services = {_resource_service(r) for r in policy.resources}
        acts = [a for e in entries for a in e.actions if any(glob_match(s, _prefix(a)) for s in services)]
        return [(sorted(set(acts)), list(policy.resources))] if acts else []
    general = sorted({a for e in entries if e.bucket is None for a in e.actions})
    groups: list[tuple[list[str], list[str] | str]] = [(general, "*")]
    s3 = sorted({a for e in entries if e.bucket is not None for a in e.actions})
    if s3 and buckets:  # artifact uploads only count in the buckets the config names
        groups.append((s3, [f"arn:aws:s3:::{b}/*" for b in buckets]))
    return groups


def _statement(sid: str, actions: list[str], resource: list[str] | str, principals: list[str]) -> dict[str, Any]:
    st: dict[str, Any] = {"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": resource}
    if principals:
        st["Condition"] = {"ArnNotLike": {"aws:PrincipalArn": principals}}
    return st


def _scp(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def _fit(st: dict[str, Any], limit: int, policy: DeployPolicy) -> list[dict[str, Any]]:
    """The statement, split by actions until each part fits in a document of its own."""
    if len(compact(_scp([st]))) <= limit:
        return [st]
    actions = st["Action"]
    if len(actions) < 2:
        path, line = _where(policy)
        raise YamlError(path, line, f"deploy_policy {policy.name!r}: one statement does not fit in an SCP "
                        f"({limit} characters) even with a single action; allow fewer principal patterns")
    half = len(actions) // 2
    return [*_fit({**st, "Action": actions[:half]}, limit, policy),
            *_fit({**st, "Action": actions[half:]}, limit, policy)]


def _pack(statements: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    docs: list[list[dict[str, Any]]] = []
    for st in statements:
        if docs and len(compact(_scp([*docs[-1], st]))) <= limit:
            docs[-1].append(st)
        else:
            docs.append([st])
    return [_scp(d) for d in docs]


def aws_scp(policies: Sequence[DeployPolicy], catalog: Catalog, artifact_buckets: Sequence[str],
            limit: int = SCP_MAX_CHARS) -> Export:
    entries = [e for e in catalog.entries if e.cloud == "aws"]
    notes: list[str] = []
    statements: list[dict[str, Any]] = []
    for pol in (p for p in policies if p.cloud == "aws"):
        principals = list(pol.principals)
        if "*" in principals:
            notes.append(f"{pol.name}: allows every principal ('*'); nothing to deny")
            continue
        for actions, resource in _aws_groups(pol, entries, artifact_buckets):
            # Measured with the widest Sid number; the real (unique across documents) one is no longer.
            for part in _fit(_statement(_sid(pol.name, 999), actions, resource, principals), limit, pol):
                part["Sid"] = _sid(pol.name, len(statements) + 1)
                statements.append(part)
        if pol.scopes:
            notes.append(f"{pol.name}: attach to the account(s) or OU holding {', '.join(pol.scopes)}")
        if any(a.oidc_subjects for a in pol.allow):
            notes.append(f"{pol.name}: oidc_subjects are not expressible in an SCP; enforce them in each role's "
                         "trust policy (condition on token.actions.githubusercontent.com:sub)")
        if any(a.keyless for a in pol.allow):
            notes.append(f"{pol.name}: keyless is not expressible in an SCP; keep the allowed principals roles "
                         "(no IAM users with access keys)")
    docs = _pack(statements, limit)
    if len(docs) > 1:
        notes.append(f"the policy needs {len(docs)} SCP documents (each at most {limit} characters); "
                     "attach every one of them")
    notes.append("SCPs bind neither the management account nor service-linked roles")
    return Export(tuple(docs), tuple(notes))


# --- GCP -------------------------------------------------------------------------------------
def deny_permission(v1: str) -> str:
    """`run.services.update` → `run.googleapis.com/services.update` (IAM v2 form deny policies use)."""
    service, _, rest = v1.partition(".")
    return f"{service}.googleapis.com/{rest}"


def exception_principal(entry: AllowEntry, policy: DeployPolicy) -> str:
    p = entry.principal
    if p.startswith(("principal://", "principalSet://")):
        form = p
    elif "*" in p or "?" in p:
        form = ""
    elif p.endswith(".gserviceaccount.com") and "@" in p:
        form = f"principal://iam.googleapis.com/projects/-/serviceAccounts/{p}"
    elif "@" in p:
        form = f"principal://goog/subject/{p}"
    else:
        form = ""
    if not form or "*" in form or "?" in form:
        path, line = _where(policy, entry.line)
        raise YamlError(path, line, f"deploy_policy {policy.name!r}: principal {p!r} cannot be an exception in "
                        "an IAM deny policy (no wildcards there); list service accounts or users by e-mail")
    return form


def gcp_deny(policies: Sequence[DeployPolicy], catalog: Catalog) -> Export:
    entries = [e for e in catalog.entries if e.cloud == "gcp"]
    permissions = sorted({deny_permission(p) for e in entries if e.deny_supported for p in e.permissions})
    unverified = sorted({p for e in entries if not e.deny_supported for p in e.permissions}
                        - {p for e in entries if e.deny_supported for p in e.permissions})
    notes: list[str] = []
    docs: list[dict[str, Any]] = []
    for pol in (p for p in policies if p.cloud == "gcp"):
        exceptions = list(dict.fromkeys(exception_principal(a, pol) for a in pol.allow))
        rule: dict[str, Any] = {"deniedPrincipals": [ALL_PRINCIPALS], "deniedPermissions": permissions}
        if exceptions:
            rule["exceptionPrincipals"] = exceptions
        docs.append({
            "displayName": f"auditwarden {pol.name}"[:GCP_DISPLAY_NAME_MAX],
            "rules": [{"description": f"Only the deploy principals of {pol.name!r} push artifacts and deploy "
                                      "(generated by auditwarden policy export)"[:256],
                       "denyRule": rule}],
        })
        targets = ", ".join(f"projects/{p}" for p in pol.scopes) if pol.scopes else "the organization or folder"
        notes.append(f"{pol.name}: attach to {targets} (gcloud iam policies create NAME --kind=denypolicies "
                     "--attachment-point=cloudresourcemanager.googleapis.com/projects/PROJECT_ID "
                     "--policy-file=FILE)")
        if pol.resources:
            notes.append(f"{pol.name}: resources cannot scope a deny rule (only resource tags can); "
                         "the rule covers the whole attachment point")
        if any(a.oidc_subjects for a in pol.allow):
            notes.append(f"{pol.name}: oidc_subjects belong in the workload identity provider's attribute "
                         "condition; the deny policy sees the service account, not the subject")
        if any(a.keyless for a in pol.allow):
            notes.append(f"{pol.name}: keyless: also enforce the iam.disableServiceAccountKeyCreation org policy")
    if unverified:
        notes.append("not in the deny policy (not confirmed usable in IAM deny policies; restrict them with "
                     "allow-policy roles instead): " + ", ".join(unverified))
    return Export(tuple(docs), tuple(notes))
