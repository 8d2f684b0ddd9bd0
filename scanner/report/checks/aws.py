"""privilege.aws.*: admin and wildcard grants, known escalation paths, over-broad trust, compute roles with admin.

Evidence always names the policy behind a grant (`evidence.policy` when one policy grants the whole
path, `evidence.policies` listing every policy that contributes) so the fix is obvious.
"""

from __future__ import annotations

import re
from fnmatch import translate
from functools import lru_cache

from scanner.inventory.model import Policy, Principal, Statement
from scanner.model.finding import Finding
from scanner.report.catalog import EscalationPath
from scanner.report.checks.base import Context, make_finding
from scanner.report.evaluate import Effective, Grant

#: services that run code as a role they are handed: a role they can assume should not be admin
COMPUTE_SERVICES = ("ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com",
                    "codebuild.amazonaws.com", "sagemaker.amazonaws.com", "batch.amazonaws.com",
                    "cloudformation.amazonaws.com", "datapipeline.amazonaws.com", "states.amazonaws.com",
                    "build.apprunner.amazonaws.com", "tasks.apprunner.amazonaws.com",
                    "elasticmapreduce.amazonaws.com")
#: IAM actions whose resource is a user or a role: a grant scoped to ARNs matching none in the account is inert
ACTS_ON: dict[str, str] = {
    **dict.fromkeys(("iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy",
                     "iam:DeleteRolePermissionsBoundary"), "role"),
    **dict.fromkeys(("iam:AttachUserPolicy", "iam:PutUserPolicy", "iam:CreateAccessKey", "iam:DeleteAccessKey",
                     "iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:DeleteUserPermissionsBoundary"), "user"),
}
#: condition keys that pin a trust to a known party
PINNING_KEYS = ("sts:externalid", "aws:principalorgid", "aws:principalorgpaths", "aws:sourceaccount",
                "aws:principalaccount", "aws:sourceorgid", "aws:principalarn", "aws:sourcearn")


def _policy_evidence(policies: list[Policy]) -> dict[str, object]:
    names = sorted({p.label for p in policies})
    ev: dict[str, object] = {"policies": names,
                             "policy_arns": sorted({p.arn for p in policies if p.arn})}
    if len(names) == 1:
        ev["policy"] = names[0]
    return ev


def is_admin(ctx: Context, eff: Effective) -> bool:
    ix = ctx.evaluator.index if ctx.evaluator else None
    if ix is None:
        return False
    full_iam = ix.service_mask("iam")
    # full control of IAM is admin: it can grant itself anything else (Deny and boundaries already applied)
    return bool(full_iam) and eff.allowed & full_iam == full_iam


def _admin_policies(ctx: Context, eff: Effective) -> list[Policy] | None:
    """The policies that make the identity admin (its IAM grants), or None when it is not admin."""
    if not is_admin(ctx, eff):
        return None
    assert ctx.evaluator is not None
    iam = ctx.evaluator.index.service_mask("iam")
    return [g.policy for g in eff.grants if g.mask & iam]


def admin(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "aws" or p.kind not in ("user", "role"):
        return None
    eff = ctx.effective(p)
    policies = _admin_policies(ctx, eff)
    if policies is None:
        return []
    return [make_finding(ctx, p, "privilege.aws.admin", severity="critical", category="privilege",
                         title=f"{p.kind} {p.name} is admin-equivalent (full IAM control)", action="iam:*",
                         evidence={**_policy_evidence(policies), "notes": list(eff.notes)[:10]},
                         remediation="Replace the grant with the actions the identity uses (see its least-privilege "
                                     "suggestion); keep admin only on break-glass roles with MFA.")]


def _wild(action: str) -> bool:
    return action == "*" or action.endswith(":*")


def wildcard(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "aws" or p.kind not in ("user", "role"):
        return None
    out = []
    for g in ctx.effective(p).grants:
        if g.policy.kind == "aws_managed" or "*" not in g.resources:
            continue
        acts = sorted({a for a in g.statement.actions if _wild(a)})
        if g.statement.not_actions is not None:
            acts = [f"NotAction {sorted(g.statement.not_actions)}"]
        if not acts:
            continue
        out.append(make_finding(ctx, p, "privilege.aws.wildcard", key=f"{g.policy.label}/{g.statement.sid}",
                                severity="medium", category="privilege",
                                title=f"{g.policy.label} grants {', '.join(acts)} on every resource to {p.name}",
                                action=acts[0], evidence={**_policy_evidence([g.policy]), "actions": acts,
                                                          "sid": g.statement.sid},
                                remediation="Name the actions and resources the workload needs."))
    return out


def _self_only(p: Principal, resources: tuple[str, ...]) -> bool:
    return all("${aws:username}" in r.lower() or r == p.id for r in resources)


@lru_cache(maxsize=8192)
def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """IAM resource globs (`*`, `?`) as one compiled alternation (a pure function of its input)."""
    return re.compile("|".join(f"(?:{translate(p)})" for p in patterns) or "(?!)")


def _matches(patterns: tuple[str, ...], arn: str) -> bool:
    return "*" in patterns or _pattern(patterns).match(arn) is not None


def _denied(eff: Effective, bit: int, arn: str) -> bool:
    return any(m & bit and _matches(res, arn) for m, res in eff.resource_denies)


def _targets(ctx: Context, p: Principal, eff: Effective, action: str) -> list[str]:
    """Roles of the account this grant reaches; [] when every grant is scoped to roles that do not exist."""
    assert ctx.evaluator is not None
    bit = ctx.evaluator.index.bit(action)
    roles = [r.id for r in ctx.snapshot.principals if r.kind == "role" and r.id != p.id]
    patterns = tuple(res for g in eff.granting(bit) for res in g.resources)
    if not roles:
        return ["*"] if patterns else []
    if "*" in patterns and not eff.resource_denies:
        return roles
    return [r for r in roles if _matches(patterns, r) and not _denied(eff, bit, r)]


def _trusted_by(role: Principal) -> frozenset[str]:
    """The AWS principals a role's trust policy names ("*", ARNs, account roots, account ids)."""
    if role.trust is None:
        return frozenset()
    return frozenset(val for s in role.trust.statements if s.effect == "Allow"
                     for kind, val in s.principals if kind in ("AWS", "*"))


def _who_trusts(ctx: Context) -> dict[str, list[Principal]]:
    """Trusted principal value → the roles whose trust policy names it (built once per snapshot)."""
    def build() -> dict[str, list[Principal]]:
        out: dict[str, list[Principal]] = {}
        for r, trusted in ctx.trust_index(_trusted_by):
            for val in trusted:
                out.setdefault(val, []).append(r)
        return out
    return ctx.memo("who_trusts", build)


def _stronger_roles(ctx: Context, p: Principal, eff: Effective) -> list[str]:
    """Roles the principal may assume (its grant and their trust both say so) that hold more than it does."""
    assert ctx.evaluator is not None
    bit = ctx.evaluator.index.bit("sts:AssumeRole")
    patterns = tuple(res for g in eff.granting(bit) for res in g.resources)
    index = _who_trusts(ctx)
    candidates: dict[str, Principal] = {}
    for key in ("*", p.id, f"arn:aws:iam::{p.account}:root", p.account):
        for r in index.get(key, ()):
            candidates.setdefault(r.id, r)
    return [r.id for r in candidates.values() if r.id != p.id and _matches(patterns, r.id)
            and ctx.effective(r).allowed & ~eff.allowed]


def _reaches(ctx: Context, kind: str, resources: tuple[str, ...]) -> bool:
    """Whether resource patterns name some user / role of the account (true when it has none to check)."""
    if "*" in resources:
        return True

    def compute() -> bool:
        existing = ctx.memo(("arns", kind), lambda: [x.id for x in ctx.snapshot.principals if x.kind == kind])
        return not existing or any(_matches(resources, arn) for arn in existing)
    return ctx.memo(("reach", kind, resources), compute)


def _path_holds(ctx: Context, p: Principal, eff: Effective, path: EscalationPath) -> dict[str, object] | None:
    assert ctx.evaluator is not None
    ix = ctx.evaluator.index
    grants: list[Grant] = []
    for action in path.actions:
        bit = ix.bit(action)
        if not bit or not eff.allowed & bit:
            return None
        usable = eff.granting(bit)
        if path.on_others and action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
            usable = [g for g in usable if not _self_only(p, g.resources)]
        kind = ACTS_ON.get(action)
        if kind is not None:
            usable = [g for g in usable if _reaches(ctx, kind, g.resources)]
        if not usable:
            return None
        grants.extend(usable)
    extra: dict[str, object] = {}
    if path.passrole:
        targets = ctx.memo(("passable", p.id), lambda: _targets(ctx, p, eff, "iam:PassRole"))
        if not targets:
            return None
        extra["passable_roles"] = targets[:20]
    if path.assume:
        stronger = ctx.memo(("stronger", p.id), lambda: _stronger_roles(ctx, p, eff))
        if not stronger:
            return None
        extra["assumable_roles"] = stronger[:20]
    return {**_policy_evidence([g.policy for g in grants]), **extra}


def escalation(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "aws" or p.kind not in ("user", "role"):
        return None
    eff = ctx.effective(p)
    if is_admin(ctx, eff):
        return []  # already everything: privilege.aws.admin says it once
    assert ctx.evaluator is not None
    ix = ctx.evaluator.index
    masks = ctx.memo("path-masks", lambda: [(path, ix.masks(path.actions) if all(map(ix.known, path.actions))
                                             else -1) for path in ctx.aws_paths])
    out = []
    for path, need in masks:
        if need < 0 or eff.allowed & need != need:
            continue  # the common case, decided with one integer AND
        ev = _path_holds(ctx, p, eff, path)
        if ev is None:
            continue
        out.append(make_finding(ctx, p, "privilege.aws.escalation", key=path.id, severity="high",
                                category="privilege", title=f"{p.name} can escalate: {path.how} ({path.id})",
                                action="+".join(path.actions),
                                evidence={"path": path.id, "how": path.how, "actions": list(path.actions), **ev},
                                remediation="Remove or scope the actions in the named policy (resource ARNs, "
                                            "conditions), or add a permissions boundary."))
    return out


def _pinned(s: Statement) -> bool:
    return any(key.lower() in PINNING_KEYS for _, key, _ in s.conditions)


def _subject_pinned(s: Statement) -> bool:
    """An OIDC trust must name the token subject (repository, branch…); the audience alone admits everyone."""
    subs = [v for _, k, vals in s.conditions if k.lower().endswith(":sub") for v in vals]
    return bool(subs) and not any(v.strip("*") in ("", "repo:", "system:serviceaccount:") for v in subs)


def _account_of(val: str) -> str:
    if val.isdigit():
        return val
    parts = val.split(":")
    return parts[4] if len(parts) > 4 else ""


def trust(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "aws" or p.kind != "role" or p.trust is None:
        return None
    out = []
    for s in p.trust.statements:
        if s.effect != "Allow":
            continue
        for kind, val in s.principals:
            if kind in ("*", "AWS") and val == "*" and not _pinned(s):
                out.append(make_finding(ctx, p, "privilege.aws.trust_public", key=f"{kind}:{val}",
                                        severity="critical", category="privilege",
                                        title=f"role {p.name} can be assumed by anyone in any AWS account",
                                        action="sts:AssumeRole", evidence={"principal": val, "sid": s.sid},
                                        remediation="Name the accounts or roles that may assume it, and pin "
                                                    "them with sts:ExternalId or aws:PrincipalOrgID."))
            elif kind == "AWS":
                acct = _account_of(val)
                if acct and acct != p.account and not ctx.trusted.aws_account_trusted(acct, p.account) \
                        and not _pinned(s):
                    out.append(make_finding(ctx, p, "privilege.aws.trust_cross_account", key=val, severity="high",
                                            category="privilege",
                                            title=f"role {p.name} trusts account {acct} without an external id "
                                                  "or organization condition", action="sts:AssumeRole",
                                            evidence={"principal": val, "account": acct, "sid": s.sid},
                                            remediation="Add sts:ExternalId (third parties) or aws:PrincipalOrgID, "
                                                        "or list the account under trusted.aws_accounts."))
            elif kind == "Federated" and not _subject_pinned(s):
                out.append(make_finding(ctx, p, "privilege.aws.trust_public", key=f"federated:{val}",
                                        severity="critical", category="privilege",
                                        title=f"role {p.name} trusts every identity of {val.rsplit('/', 1)[-1]} "
                                              "(no subject condition)", action="sts:AssumeRoleWithWebIdentity",
                                        evidence={"principal": val, "sid": s.sid},
                                        remediation="Condition the trust on the token's sub (repository, branch)."))
    return out


def compute_admin(ctx: Context, p: Principal) -> list[Finding] | None:
    if p.cloud != "aws" or p.kind != "role" or p.trust is None:
        return None
    services = sorted({v for s in p.trust.statements if s.effect == "Allow" for k, v in s.principals
                       if k == "Service" and v in COMPUTE_SERVICES})
    if not services:
        return None
    policies = _admin_policies(ctx, ctx.effective(p))
    if policies is None:
        return []
    return [make_finding(ctx, p, "privilege.aws.compute_admin", severity="high", category="privilege",
                         title=f"role {p.name} runs code for {', '.join(services)} and is admin-equivalent",
                         action="iam:*", evidence={**_policy_evidence(policies), "services": services},
                         remediation="Whoever deploys code to that service becomes admin: scope the role down.")]
