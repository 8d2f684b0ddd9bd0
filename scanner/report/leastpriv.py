"""Granted vs used per identity, and the smallest grant that would still cover what was used."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from scanner.inventory.model import IamSnapshot, Principal
from scanner.model.finding import Finding
from scanner.report.checks.base import Context, make_finding
from scanner.report.usage import Usage


@dataclass(frozen=True, slots=True)
class UsageSummary:
    granted: int
    used: int  # granted permissions that were exercised
    unused_share: float
    used_permissions: tuple[str, ...]
    suggestion: Mapping[str, Any]
    calls: int
    user_agents: tuple[str, ...] = ()  # attacker-controlled text: escaped wherever shown
    session_names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"granted": self.granted, "used": self.used, "unused_share": round(self.unused_share, 4),
                "used_permissions": list(self.used_permissions), "calls": self.calls,
                "suggestion": dict(self.suggestion), "user_agents": list(self.user_agents),
                "session_names": list(self.session_names)}


def _aws(ctx: Context, p: Principal, used: Mapping[str, int]) -> UsageSummary | None:
    assert ctx.evaluator is not None
    ix = ctx.evaluator.index
    allowed = ctx.effective(p).allowed
    granted = allowed.bit_count()
    if not granted:
        return None
    mask = 0
    for perm in used:
        mask |= ix.bit(perm)
    hit = mask & allowed
    names = ix.names_of(hit)
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": names, "Resource": "*"}] if names else []}
    return UsageSummary(granted, hit.bit_count(), 1 - hit.bit_count() / granted, tuple(names),
                        {"kind": "aws_policy", "policy": policy}, sum(used.values()))


def _gcp(snapshot: IamSnapshot, p: Principal, used: Mapping[str, int]) -> UsageSummary | None:
    perms: set[str] = set()
    for r in p.roles:
        perms |= snapshot.role_permissions.get(r, frozenset())
    if not perms:
        return None
    exercised = sorted(set(used) & perms)
    candidates = [(len(ps), name) for name, ps in snapshot.role_permissions.items()
                  if name.startswith("roles/") and set(exercised) <= ps]
    if exercised and candidates:
        suggestion: dict[str, Any] = {"kind": "gcp_predefined_role", "role": min(candidates)[1]}
    else:
        suggestion = {"kind": "gcp_custom_role", "includedPermissions": exercised}
    return UsageSummary(len(perms), len(exercised), 1 - len(exercised) / len(perms), tuple(exercised), suggestion,
                        sum(used.values()))


def summarize(ctx: Context, usage: Usage) -> dict[str, UsageSummary]:
    """identity id → summary, for identities in accounts the logs cover."""
    out: dict[str, UsageSummary] = {}
    snap = ctx.snapshot
    if (snap.cloud, snap.account) not in usage.accounts:
        return out
    by_principal, seen = usage.by_principal, usage.seen_as
    for p in snap.principals:
        if p.kind == "root":
            continue
        key = (p.cloud, p.id if p.cloud == "aws" else p.name)
        used = by_principal.get(key, {})
        s = _aws(ctx, p, used) if p.cloud == "aws" and p.kind in ("user", "role") else \
            _gcp(snap, p, used) if p.cloud == "gcp" else None
        if s is not None:
            agents, sessions = seen.get(key, ((), ()))
            out[p.id] = replace(s, user_agents=agents, session_names=sessions)
    return out


def unused_findings(ctx: Context, summaries: Mapping[str, UsageSummary], days: int) -> list[Finding]:
    s = ctx.settings
    rule = f"privilege.{ctx.snapshot.cloud}.unused"
    out = []
    for p in ctx.snapshot.principals:
        u = summaries.get(p.id)
        if u is None or u.granted < s.unused_min_granted or u.unused_share <= s.unused_share:
            continue
        out.append(make_finding(ctx, p, rule, severity="medium" if u.used else "low", category="privilege",
                                title=f"{p.name} used {u.used} of {u.granted} granted permissions in {days} days "
                                      f"({u.unused_share:.0%} unused)",
                                evidence={"granted": u.granted, "used": u.used,
                                          "unused_share": round(u.unused_share, 4), "days": days,
                                          "suggestion": dict(u.suggestion)},
                                remediation="Replace the grant with the suggested policy / role after checking "
                                            "what the logs cannot show (see the report's limits)."))
    return out
