"""Snapshots (+ usage, + last night's report) → one Report: findings, identities, accounts, changes.

Pure: no I/O, the clock and the action index are passed in. `to_json` is report.json, whose findings
follow the Finding contract and whose order is stable, so two nights diff cleanly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scanner.config import Trusted
from scanner.inventory.model import IamSnapshot, Principal, Problem
from scanner.model.finding import SEVERITY_RANK, Finding, fingerprint
from scanner.report.actions import ActionIndex
from scanner.report.catalog import aws_paths, gcp_paths
from scanner.report.checks.base import Context
from scanner.report.checks.registry import CHECKS, CheckRun, run_checks
from scanner.report.evaluate import Evaluator
from scanner.report.leastpriv import UsageSummary, summarize, unused_findings
from scanner.report.settings import ReportSettings
from scanner.report.usage import LIMITS, Usage

SEVERITY_WEIGHT = {"critical": 10, "high": 5, "medium": 2, "low": 1, "info": 0}


@dataclass(frozen=True, slots=True)
class Changes:
    new: tuple[str, ...]  # finding ids new since the previous report
    fixed: tuple[Mapping[str, Any], ...]  # previous findings no longer present
    previous_generated_at: str


@dataclass(frozen=True)
class Report:
    generated_at: str
    accounts: tuple[Mapping[str, Any], ...]
    findings: tuple[Finding, ...]
    identities: tuple[Mapping[str, Any], ...]
    checks: Mapping[str, Mapping[str, int]]
    problems: tuple[Problem, ...]
    usage_days: int | None = None
    limits: tuple[str, ...] = ()
    changes: Changes | None = None
    notes: tuple[str, ...] = field(default=())
    #: scanner.anomaly's unusual principal-hours over the same logs; None when no baselines were given
    anomalies: tuple[Finding, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "generated_at": self.generated_at,
            "accounts": [dict(a) for a in self.accounts],
            "findings": [f.to_dict() for f in self.findings],
            "identities": [dict(i) for i in self.identities],
            "checks": {k: dict(v) for k, v in self.checks.items()},
            "problems": [{"source": p.source, "message": p.message} for p in self.problems],
            "usage": {"days": self.usage_days, "limits": list(self.limits)} if self.usage_days is not None else None,
        }
        if self.anomalies is not None:
            d["anomalies"] = [f.to_dict() for f in self.anomalies]
        if self.changes is not None:
            d["changes"] = {"since": self.changes.previous_generated_at, "new": list(self.changes.new),
                            "fixed": [dict(f) for f in self.changes.fixed]}
        return d


def anchor(principal_id: str) -> str:
    return "id-" + fingerprint("identity", principal_id)[:16]


def _identity(p: Principal, findings: list[Finding], usage: UsageSummary | None, now: datetime) -> dict[str, Any]:
    worst = max((SEVERITY_RANK[f.severity] for f in findings), default=-1)
    return {
        "id": p.id, "anchor": anchor(p.id), "cloud": p.cloud, "account": p.account, "kind": p.kind, "name": p.name,
        "description": p.description, "tags": {k: v for k, v in p.tags},
        "policies": sorted({pol.label for pol in p.policies}) or list(p.roles),
        "boundary": p.boundary.name if p.boundary else None,
        "findings": [f.id for f in findings],
        "max_severity": next((s for s, r in SEVERITY_RANK.items() if r == worst), None),
        "risk": sum(SEVERITY_WEIGHT[f.severity] for f in findings),
        "keys": [{"id": k.id, "active": k.active, "age_days": (now - k.created).days if k.created else None,
                  "last_used": k.last_used.isoformat() if k.last_used else None, "user_managed": k.user_managed}
                 for k in p.keys],
        "mfa": p.mfa, "console": p.console,
        "usage": usage.to_dict() if usage else None,
    }


def _changes(findings: Sequence[Finding], previous: Mapping[str, Any]) -> Changes:
    old = {f.get("id"): f for f in previous.get("findings", []) if isinstance(f, Mapping)}
    now_ids = {f.id for f in findings}
    return Changes(tuple(f.id for f in findings if f.id not in old),
                   tuple(f for i, f in sorted(old.items(), key=lambda kv: str(kv[0])) if i not in now_ids),
                   str(previous.get("generated_at", "")))


def build_report(snapshots: Sequence[IamSnapshot], *, settings: ReportSettings, trusted: Trusted, now: datetime,
                 index: ActionIndex | None, usage: Usage | None = None,
                 previous: Mapping[str, Any] | None = None,
                 anomalies: Sequence[Finding] | None = None) -> Report:
    run = CheckRun()
    identities: list[dict[str, Any]] = []
    accounts: list[dict[str, Any]] = []
    problems: list[Problem] = []
    evaluator = Evaluator(index, now) if index is not None else None
    paths_aws, paths_gcp = aws_paths(), gcp_paths()
    for snap in snapshots:
        problems.extend(snap.problems)
        if not snap.principals:
            continue
        ctx = Context(snap, settings, trusted, now, evaluator if snap.cloud == "aws" else None, paths_aws, paths_gcp)
        start = len(run.findings)
        run_checks(ctx, run)
        summaries: dict[str, UsageSummary] = {}
        if usage is not None:
            summaries = summarize(ctx, usage)
            rule = f"privilege.{snap.cloud}.unused"
            if rule not in settings.disabled_rules:
                unused = unused_findings(ctx, summaries, usage.days)
                run.findings.extend(unused)
                run.failed[rule] += len(unused)
                run.passed[rule] += len(summaries) - len(unused)
        mine = run.findings[start:]
        per: dict[str, list[Finding]] = {}
        for f in mine:
            per.setdefault(f.principal, []).append(f)
        for p in snap.principals:
            identities.append(_identity(p, per.get(p.id, []), summaries.get(p.id), now))
        sev = Counter(f.severity for f in mine)
        accounts.append({"cloud": snap.cloud, "account": snap.account, "source": snap.source,
                         "principals": len(snap.principals), "findings": len(mine),
                         "by_severity": {s: sev.get(s, 0) for s in ("critical", "high", "medium", "low")},
                         "risk": sum(SEVERITY_WEIGHT[f.severity] for f in mine)})
    if index is not None and index.unknown:
        problems.append(Problem("policies", "unknown actions (not in the IAM action database; typos or retired): "
                                + ", ".join(sorted(index.unknown)[:20])))
    findings = sorted(run.findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.account, f.principal, f.rule, f.id))
    identities.sort(key=lambda i: (-i["risk"], i["account"], i["id"]))
    checks = {rule: {"pass": run.passed.get(rule, 0), "fail": run.failed.get(rule, 0)}
              for rule in [*CHECKS, "privilege.aws.unused", "privilege.gcp.unused"]
              if run.passed.get(rule) or run.failed.get(rule)}
    return Report(now.strftime("%Y-%m-%dT%H:%M:%SZ"), tuple(accounts), tuple(findings), tuple(identities), checks,
                  tuple(problems), usage.days if usage else None, LIMITS if usage else (),
                  _changes(findings, previous) if previous is not None else None,
                  anomalies=tuple(anomalies) if anomalies is not None else None)
