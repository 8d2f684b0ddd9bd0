"""AWS effective permissions of one principal: what it can actually do, and which policy says so.

The order of IAM's own evaluation, reduced to what a static snapshot can decide:
- an explicit Deny that applies to every resource and carries no condition removes the actions
  (a conditional Deny may not apply, so it removes nothing — we never under-report a grant);
- Allow statements grant their actions (`NotAction`: every action but those), expanded with the IAM
  action database; an Allow whose condition can never be true grants nothing;
- a permissions boundary caps the identity policies: only what both allow is effective.
Resource scoping is kept per grant so checks can tell exploitable grants from ones that are not
(an access key only for oneself, PassRole onto roles that do not exist).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from scanner.inventory.model import Policy, Principal, Statement
from scanner.report.actions import ActionIndex
from scanner.timeutil import parse_time

_BOOL_KEYS_OPS = ("Bool", "BoolIfExists")
_DATE_BEFORE_OPS = ("DateLessThan", "DateLessThanEquals")
_TIME_KEYS = ("aws:currenttime", "aws:epochtime")


@dataclass(frozen=True, slots=True)
class Grant:
    policy: Policy
    statement: Statement
    mask: int

    @property
    def resources(self) -> tuple[str, ...]:
        s = self.statement
        return ("*",) if s.not_resources is not None else s.resources


@dataclass(frozen=True, slots=True)
class Effective:
    allowed: int
    grants: tuple[Grant, ...]
    notes: tuple[str, ...]
    #: Deny statements scoped to resources: (actions mask, resource patterns)
    resource_denies: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def granting(self, bit: int) -> list[Grant]:
        return [g for g in self.grants if g.mask & bit]

    def policies_for(self, bit: int) -> list[Policy]:
        seen: dict[tuple[str, str, str], Policy] = {}
        for g in self.granting(bit):
            seen.setdefault((g.policy.name, g.policy.arn, g.policy.via), g.policy)
        return list(seen.values())


def never_true(stmt: Statement, now: datetime) -> str | None:
    """Why this statement's condition can never hold, or None when it might."""
    equals: dict[str, set[str]] = {}
    not_equals: dict[str, set[str]] = {}
    for op, key, values in stmt.conditions:
        k = key.lower()
        if not values:
            return f"{op} {key} lists no values"
        base = op.removeprefix("ForAllValues:").removeprefix("ForAnyValue:")
        if base in _BOOL_KEYS_OPS and any(v.lower() not in ("true", "false") for v in values):
            return f"{op} {key} compares with a non-boolean"
        if base in _DATE_BEFORE_OPS and k in _TIME_KEYS:
            limits = [_when(v) for v in values]
            if all(t is not None and t < now for t in limits):
                return f"{op} {key} {max(values)}: the grant expired"
        if base == "StringEquals":
            equals.setdefault(k, set()).update(values)
        elif base == "StringNotEquals":
            not_equals.setdefault(k, set()).update(values)
    for k, vals in equals.items():
        if vals <= not_equals.get(k, set()):
            return f"{k} must both equal and not equal {sorted(vals)[0]!r}"
    return None


def _when(v: str) -> datetime | None:
    if v.isdigit():
        from datetime import UTC
        return datetime.fromtimestamp(int(v), UTC)
    return parse_time(v)


def _all_resources(stmt: Statement) -> bool:
    if stmt.not_resources is not None:
        return False
    return "*" in stmt.resources


class Evaluator:
    def __init__(self, index: ActionIndex, now: datetime) -> None:
        self.index = index
        self.now = now
        self._masks: dict[int, tuple[Statement, int]] = {}

    def statement_mask(self, stmt: Statement) -> int:
        hit = self._masks.get(id(stmt))
        if hit is not None and hit[0] is stmt:
            return hit[1]
        ix = self.index
        m = ix.all & ~ix.masks(stmt.not_actions) if stmt.not_actions is not None else ix.masks(stmt.actions)
        self._masks[id(stmt)] = (stmt, m)  # the statement is kept alive with its id
        return m

    def _allow_deny(self, policies: Iterable[Policy], notes: list[str], label: str = ""
                    ) -> tuple[list[tuple[Policy, Statement, int]], int, list[tuple[int, tuple[str, ...]]]]:
        allows: list[tuple[Policy, Statement, int]] = []
        deny = 0
        scoped: list[tuple[int, tuple[str, ...]]] = []
        for pol in policies:
            for stmt in pol.statements:
                if stmt.effect == "Deny":
                    if stmt.conditions:
                        continue  # may not apply: removing it would under-report
                    m = self.statement_mask(stmt)
                    if _all_resources(stmt):
                        deny |= m
                    else:
                        scoped.append((m, stmt.resources))
                    continue
                why = never_true(stmt, self.now)
                if why:
                    notes.append(f"{label}{pol.label} {stmt.sid or 'statement'}: never applies ({why})")
                    continue
                if stmt.not_resources is not None and "*" in stmt.not_resources:
                    notes.append(f"{label}{pol.label} {stmt.sid or 'statement'}: NotResource \"*\" matches nothing")
                    continue
                allows.append((pol, stmt, self.statement_mask(stmt)))
        return allows, deny, scoped

    def evaluate(self, principal: Principal) -> Effective:
        notes: list[str] = []
        allows, deny, scoped = self._allow_deny(principal.policies, notes)
        cap = self.index.all
        if principal.boundary is not None:
            b_allows, b_deny, b_scoped = self._allow_deny((principal.boundary,), notes, "boundary ")
            cap = 0
            for _, _, m in b_allows:
                cap |= m
            cap &= ~b_deny
            scoped.extend(b_scoped)
        keep = ~deny & cap
        grants = tuple(Grant(p, s, m & keep) for p, s, m in allows if m & keep)
        allowed = 0
        for g in grants:
            allowed |= g.mask
        return Effective(allowed, grants, tuple(notes), tuple(scoped))
