"""Run every rule's embedded test records: each must fire (expect: true) or stay quiet (expect: false)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from scanner.detect.early import admits
from scanner.detect.rules import Rule, RuleTest
from scanner.normalize import NormalizeError, normalize
from scanner.normalize.keys import quick_key
from scanner.sources.envelopes import unwrap
from scanner.sources.limits import Limits
from scanner.sources.records import RawRecord


class _Rule(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...


class _Case(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def expect(self) -> int: ...  # bool for a single-record case, a finding count for a burst sequence
    @property
    def line(self) -> int: ...


R = TypeVar("R", bound=_Rule)
C = TypeVar("C", bound=_Case)


@dataclass(frozen=True, slots=True)
class CaseResult(Generic[R, C]):
    """One embedded test's outcome; shared by match rules (fired: bool) and burst rules (fired: a count)."""

    rule: R
    case: C
    fired: int
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and self.fired == self.case.expect

    @property
    def where(self) -> str:
        return f"{self.rule.source.rsplit(':', 1)[0]}:{self.case.line}"


def run_case(rule: Rule, case: RuleTest) -> CaseResult[Rule, RuleTest]:
    if case.trusted is not None:
        rule = rule.bind(case.trusted)
    records = [i for i in unwrap(dict(case.record), "test", Limits()) if isinstance(i, RawRecord)]
    if not records:
        return CaseResult(rule, case, False, "test record is not a recognised audit record")
    fired = False
    for rec in records:
        try:
            ev = normalize(rec)
        except NormalizeError as e:
            return CaseResult(rule, case, False, f"test record does not normalize: {e}")
        if ev.cloud == rule.cloud and rule.judges(ev) and rule.match(ev):
            if not admits(rule.early, quick_key(rec), rec.data):  # the scan would never have judged it
                return CaseResult(rule, case, False, "the rule's early check (detect/early.py) refuses a record "
                                  "its match accepts")
            fired = True
    return CaseResult(rule, case, fired)


def run_rule_tests(rules: Iterable[Rule]) -> list[CaseResult[Rule, RuleTest]]:
    return [run_case(r, c) for r in rules for c in r.tests]


def missing_cases(rule: Rule) -> list[str]:
    """The kinds of test a rule lacks: every rule needs at least one that fires and one that must not."""
    kinds = {c.expect for c in rule.tests}
    out = []
    if True not in kinds:
        out.append("a case that must fire (expect: true)")
    if False not in kinds:
        out.append("a case that must not fire (expect: false)")
    return out
