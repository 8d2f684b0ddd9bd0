"""The deploy allowlist as prevention: an AWS SCP and a GCP IAM deny policy from the same policies.

AWS: per policy, one Deny of the catalog's IAM actions unless `aws:PrincipalArn` is ArnLike one of
the allowed principals (ArnNotLike), scoped to the policy's resources when it names some, except
for actions those resources cannot scope (catalog `iam_resources`): they are denied on "*". An SCP
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
from scanner.provenance.globs import arns_meet, glob_match
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


Group = tuple[list[str], list[str] | str]


@dataclass(frozen=True, slots=True)
class _Groups:
    groups: list[Group]
    unscoped: list[str]  # actions without resource-level permissions, denied on "*" instead of the resources
    retyped: list[str]  # actions IAM checks against resource types none of the policy's globs can name


def _iam_resources(entries: Sequence[CatalogEntry]) -> dict[str, tuple[str, ...]]:
    return {a: e.iam_resources_of(a) for e in entries for a in e.actions}


def _shapes(entries: Sequence[CatalogEntry]) -> dict[str, tuple[str, ...]]:
    return {a: e.resource_shapes for e in entries for a in e.actions}


def _aws_groups(policy: DeployPolicy, entries: Sequence[CatalogEntry], buckets: Sequence[str]) -> _Groups:
    """(actions, Resource) pairs for one policy.

    A Deny listing resource ARNs applies only when IAM checks the request against a matching ARN. So:
    - an action with no resource-level permissions is denied on `Resource: "*"`;
    - an action whose deploys the policy's globs cover as detection names them (the catalog's `resource`)
      but that IAM checks against another resource type none of the globs can name (a glob for ECS
      services vs `ecs:CreateTaskSet`, checked on task sets; an exact `stack/NAME` vs CloudFormation's
      `stack/NAME/ID`) is denied on `Resource: "*"` too.
    Both are denied wider than the policy's scope rather than never; stderr says which. Rewriting the globs
    into the other resource type was rejected: it would guess names (task-set ids, stack ids) the policy's
    author never wrote. An action none of the globs can name either way (a layer when the policy names
    functions) is outside the policy, for detection and SCP alike. The scoped actions keep every glob
    (those of another type never match their resources) so they share one statement and the SCP stays small.
    """
    iam = _iam_resources(entries)
    if policy.resources:
        shapes = _shapes(entries)

        def meets(action: str, targets: Sequence[str]) -> bool:
            return any(arns_meet(g, t) for g in policy.resources
                       if glob_match(_resource_service(g), _prefix(action)) for t in targets)

        services = {_resource_service(r) for r in policy.resources}
        named = sorted({a for a in iam if any(glob_match(s, _prefix(a)) for s in services)})
        unscoped = [a for a in named if not iam[a]]
        scoped = [a for a in named if iam[a] and meets(a, iam[a])]
        # no catalog ARN template to compare with: keep the action (the safe side is to deny it)
        retyped = [a for a in named if iam[a] and a not in scoped and (not shapes[a] or meets(a, shapes[a]))]
        groups: list[Group] = [(scoped, list(policy.resources))] if scoped else []
        if unscoped or retyped:
            groups.append((sorted([*unscoped, *retyped]), "*"))
        return _Groups(groups, unscoped, retyped)
    s3 = sorted({a for e in entries if e.bucket is not None for a in e.actions if iam[a]})
    # an S3 action without resource-level permissions could not be kept to the buckets either
    general = sorted({a for e in entries for a in e.actions} - set(s3))
    groups = [(general, "*")]
    if s3 and buckets:  # artifact uploads only count in the buckets the config names
        groups.append((s3, [f"arn:aws:s3:::{b}/*" for b in buckets]))
    return _Groups(groups, [], [])


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
    entries = [e for e in catalog.entries if e.cloud == "aws" and e.scp]
    notes: list[str] = []
    left_out = sorted({a for e in catalog.entries if e.cloud == "aws" and not e.scp for a in e.actions})
    if left_out and any(p.cloud == "aws" for p in policies):
        notes.append(f"{', '.join(left_out)} are left out: these IAM actions cover far more than deploys "
                     "(see the catalog notes); detection still judges those deploys")
    statements: list[dict[str, Any]] = []
    for pol in (p for p in policies if p.cloud == "aws"):
        principals = list(pol.principals)
        if "*" in principals:
            notes.append(f"{pol.name}: allows every principal ('*'); nothing to deny")
            continue
        grouped = _aws_groups(pol, entries, artifact_buckets)
        if grouped.unscoped:
            notes.append(f"{pol.name}: {', '.join(grouped.unscoped)} have no resource-level permissions, so they "
                         "are denied on Resource \"*\" (wider than the policy's resources, for every principal "
                         "not allowed here) rather than never")
        if grouped.retyped:
            notes.append(f"{pol.name}: IAM checks {', '.join(grouped.retyped)} against resource types none of the "
                         "policy's resources name, so they are denied on Resource \"*\" (wider than the policy's "
                         "resources) rather than never")
        for actions, resource in grouped.groups:
            # Measured with the widest Sid number; the real (unique across documents) one is no longer.
            for part in _fit(_statement(_sid(pol.name, 999), actions, resource, principals), limit, pol):
                part["Sid"] = _sid(pol.name, len(statements) + 1)
                statements.append(part)
        if pol.scopes:
            notes.append(f"{pol.name}: attach to the account(s) or OU holding {', '.join(pol.scopes)}")
        if any(a.oidc_subjects for a in pol.allow):
            notes.append(f"{pol.name}: oidc_subjects are not expressible in an SCP; enforce them in each role's "
                         "trust policy (condition on token.actions.githubusercontent.com:sub)")
        if any(":role/" in a.principal or a.principal.endswith(":*") for a in pol.allow):
            notes.append(f"{pol.name}: who may assume an allowed role (its origin, `via`) is not expressible in an "
                         "SCP; the role's trust policy decides it (name the pipeline's service or OIDC provider there)")
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
