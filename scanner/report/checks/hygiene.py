"""hygiene.*: stale and risky credentials — key age and disuse, root keys, console without MFA, SA keys."""

from __future__ import annotations

from scanner.inventory.model import AccessKey, Principal
from scanner.model.finding import Finding
from scanner.report.checks.base import Context, make_finding


def _key_evidence(ctx: Context, k: AccessKey) -> dict[str, object]:
    return {"key": k.id, "created": k.created.isoformat() if k.created else None,
            "age_days": ctx.days_since(k.created),
            "last_used": k.last_used.isoformat() if k.last_used else None}


def aws_key_age(ctx: Context, p: Principal) -> list[Finding] | None:
    keys = [k for k in p.keys if k.active and k.created]
    if p.kind not in ("user", "root") or not keys:
        return None
    limit = ctx.settings.key_max_age_days
    return [make_finding(ctx, p, "hygiene.aws.key_age", key=k.id, severity="medium", category="hygiene",
                         title=f"access key {k.id} of {p.name} is {ctx.days_since(k.created)} days old (limit {limit})",
                         action="iam:CreateAccessKey", evidence={**_key_evidence(ctx, k), "limit_days": limit},
                         remediation="Rotate the key (create a new one, switch clients, delete the old one) "
                                     "or move the workload to a role.")
            for k in keys if (ctx.days_since(k.created) or 0) > limit]


def aws_key_unused(ctx: Context, p: Principal) -> list[Finding] | None:
    keys = [k for k in p.keys if k.active]
    if p.kind not in ("user", "root") or not keys:
        return None
    s = ctx.settings
    out = []
    for k in keys:
        idle = ctx.days_since(k.last_used or k.created)
        if idle is None or idle <= s.key_unused_warn_days:
            continue
        sev = "medium" if idle > s.key_unused_days else "low"
        never = " (never used)" if k.last_used is None else ""
        out.append(make_finding(ctx, p, "hygiene.aws.key_unused", key=k.id, severity=sev, category="hygiene",
                                title=f"access key {k.id} of {p.name} unused for {idle} days{never}",
                                action="iam:DeleteAccessKey",
                                evidence={**_key_evidence(ctx, k), "idle_days": idle,
                                          "warn_days": s.key_unused_warn_days, "limit_days": s.key_unused_days},
                                remediation="Deactivate the key, wait for complaints, then delete it."))
    return out


def aws_root_keys(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.kind != "root":
        return None
    keys = [k for k in p.keys if k.active]
    return [make_finding(ctx, p, "hygiene.aws.root_keys", key=k.id, severity="critical", category="hygiene",
                         title=f"the root user has an active access key ({k.id})", action="iam:CreateAccessKey",
                         evidence=_key_evidence(ctx, k),
                         remediation="Delete root access keys; use roles for automation.") for k in keys]


def aws_console_mfa(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.kind not in ("user", "root") or not p.console or p.mfa is None:
        return None
    if p.mfa:
        return []
    return [make_finding(ctx, p, "hygiene.aws.console_no_mfa", severity="high" if p.kind == "user" else "critical",
                         category="hygiene", title=f"{p.name} can sign in to the console without MFA",
                         action="signin:ConsoleLogin", evidence={"console": True, "mfa": False},
                         remediation="Require MFA (enrol a device; deny actions without aws:MultiFactorAuthPresent).")]


def gcp_user_keys(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.kind != "service_account":
        return None
    keys = [k for k in p.keys if k.user_managed and k.active]
    if not keys:
        return []
    return [make_finding(ctx, p, "hygiene.gcp.user_managed_key", key=k.id, severity="low", category="hygiene",
                         title=f"{p.name} has a user-managed key ({k.id[:12]}…)",
                         action="google.iam.admin.v1.CreateServiceAccountKey", evidence=_key_evidence(ctx, k),
                         remediation="Replace exported keys with workload identity federation or attached service "
                                     "accounts; then delete the key.") for k in keys]


def gcp_key_age(ctx: Context, p: Principal) -> list[Finding] | None:
    keys = [k for k in p.keys if k.user_managed and k.active and k.created]
    if p.kind != "service_account" or not keys:
        return None
    limit = ctx.settings.key_max_age_days
    return [make_finding(ctx, p, "hygiene.gcp.key_age", key=k.id, severity="medium", category="hygiene",
                         title=f"key {k.id[:12]}… of {p.name} is {ctx.days_since(k.created)} days old (limit {limit})",
                         action="google.iam.admin.v1.CreateServiceAccountKey",
                         evidence={**_key_evidence(ctx, k), "limit_days": limit},
                         remediation="Rotate or delete the key.")
            for k in keys if (ctx.days_since(k.created) or 0) > limit]


def gcp_key_unused(ctx: Context, p: Principal) -> list[Finding] | None:
    keys = [k for k in p.keys if k.user_managed and k.active and k.last_used_known]
    if p.kind != "service_account" or not keys:
        return None
    out = []
    for k in keys:
        idle = ctx.days_since(k.last_used or k.created)
        if k.last_used is not None and (idle or 0) <= ctx.settings.key_unused_days:
            continue
        if k.last_used is None and (idle or 0) <= ctx.settings.key_unused_warn_days:
            continue
        what = "never used" if k.last_used is None else f"unused for {idle} days"
        out.append(make_finding(ctx, p, "hygiene.gcp.key_unused", key=k.id, severity="medium", category="hygiene",
                                title=f"key {k.id[:12]}… of {p.name} {what}",
                                action="google.iam.admin.v1.DeleteServiceAccountKey",
                                evidence={**_key_evidence(ctx, k), "idle_days": idle},
                                remediation="Disable the key, then delete it."))
    return out
