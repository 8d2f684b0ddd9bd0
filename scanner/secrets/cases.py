"""Run every detector's embedded true/false strings through the whole scanner (filters and all)."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.secrets.model import Blob, Case, DetectorSpec
from scanner.secrets.scan import SecretScanner


@dataclass(frozen=True, slots=True)
class CaseResult:
    spec: DetectorSpec
    case: Case
    fired: bool

    @property
    def passed(self) -> bool:
        return self.fired == self.case.expect


def run_cases(scanner: SecretScanner) -> list[CaseResult]:
    out: list[CaseResult] = []
    for spec in scanner.specs:
        for case in spec.cases:
            hits = scanner.scan(Blob(path="case.txt", text=case.text)).hits
            out.append(CaseResult(spec, case, any(h.hit.rule == spec.id for h in hits)))
    return out
