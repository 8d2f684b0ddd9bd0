"""privilege.gcp.*: primitive roles on service accounts, the default compute SA as editor, escalation permissions."""

from __future__ import annotations

import re

from scanner.inventory.model import Principal
from scanner.model.finding import Finding
from scanner.report.checks.base import Context, make_finding

PRIMITIVE = ("roles/owner", "roles/editor")
DEFAULT_COMPUTE = re.compile(r"^\d+-compute@developer\.gserviceaccount\.com$")


def primitive(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "gcp" or p.kind != "service_account":
        return None
    return [make_finding(ctx, p, "privilege.gcp.primitive_role", key=r, severity="high", category="privilege",
                         title=f"service account {p.name} holds {r} on project {p.account}",
                         action="SetIamPolicy", resource=f"projects/{p.account}", evidence={"role": r, "policy": r},
                         remediation="Grant predefined roles for what it does (see its least-privilege suggestion).")
            for r in p.roles if r in PRIMITIVE]


def default_compute(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "gcp" or not DEFAULT_COMPUTE.match(p.name):
        return None
    held = [r for r in p.roles if r in PRIMITIVE]
    return [make_finding(ctx, p, "privilege.gcp.default_compute_editor", severity="high", category="privilege",
                         title=f"the default compute service account holds {held[0]}: every VM without its own "
                               "service account acts as project " + held[0].split("/")[1],
                         action="SetIamPolicy", resource=f"projects/{p.account}",
                         evidence={"role": held[0], "policy": held[0]},
                         remediation="Remove the role from the default compute SA; give workloads their own.")] \
        if held else []


def escalation(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "gcp" or not p.roles:
        return None
    perms_of = ctx.snapshot.role_permissions
    held: set[str] = set()
    for r in p.roles:
        held |= perms_of.get(r, frozenset())
    out = []
    for path in ctx.gcp_paths:
        if not set(path.actions) <= held:
            continue
        roles = sorted(r for r in p.roles if perms_of.get(r, frozenset()) & set(path.actions))
        ev: dict[str, object] = {"path": path.id, "how": path.how, "permissions": list(path.actions),
                                 "policies": roles}
        if len(roles) == 1:
            ev["policy"] = roles[0]
        out.append(make_finding(ctx, p, "privilege.gcp.escalation", key=path.id, severity="high", category="privilege",
                                title=f"{p.name} can escalate: {path.how} ({path.id})", action="+".join(path.actions),
                                resource=f"projects/{p.account}", evidence=ev,
                                remediation="Replace the role with one without these permissions, or grant it on "
                                            "the single resource that needs it."))
    return out
