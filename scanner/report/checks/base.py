"""What every check receives (snapshot, thresholds, clock, evaluator) and how it words a finding."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from scanner.config import Trusted
from scanner.inventory.model import IamSnapshot, Principal
from scanner.model.finding import Finding, fingerprint
from scanner.report.catalog import EscalationPath
from scanner.report.evaluate import Effective, Evaluator
from scanner.report.settings import ReportSettings

T = TypeVar("T")


@dataclass
class Context:
    snapshot: IamSnapshot
    settings: ReportSettings
    trusted: Trusted
    now: datetime
    evaluator: Evaluator | None = None
    aws_paths: tuple[EscalationPath, ...] = ()
    gcp_paths: tuple[EscalationPath, ...] = ()
    _effective: dict[str, Effective] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """Per-run cache for what several checks ask about the same principal."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def trust_index(self, trusted_by: Callable[[Principal], frozenset[str]]
                    ) -> list[tuple[Principal, frozenset[str]]]:
        """Roles whose trust policy names AWS principals, with those principals (computed once)."""
        pairs = ((r, trusted_by(r)) for r in self.snapshot.principals if r.kind == "role")
        return self.memo("trust_index", lambda: [(r, t) for r, t in pairs if t])

    def effective(self, p: Principal) -> Effective:
        hit = self._effective.get(p.id)
        if hit is None:
            assert self.evaluator is not None
            hit = self._effective[p.id] = self.evaluator.evaluate(p)
        return hit

    def time(self) -> str:
        return self.memo("now", lambda: self.now.strftime("%Y-%m-%dT%H:%M:%SZ"))

    def days_since(self, when: datetime | None) -> int | None:
        return None if when is None else max(0, (self.now - when).days)


def make_finding(ctx: Context, p: Principal, rule: str, *, title: str, severity: str, category: str,
                 key: str = "", action: str = "", resource: str = "", evidence: Mapping[str, Any] | None = None,
                 remediation: str = "") -> Finding:
    return Finding(
        id=fingerprint(rule, p.cloud, p.account, p.id, key), rule=rule, title=title, severity=severity,
        category=category, cloud=p.cloud, account=p.account, principal=p.id, action=action,
        resource=resource or p.id, time=ctx.time(), evidence=dict(evidence or {}), remediation=remediation)


CheckFn = Callable[[Context, Principal], "list[Finding] | None"]


@dataclass(frozen=True, slots=True)
class Check:
    cloud: str
    summary: str
    fn: CheckFn
