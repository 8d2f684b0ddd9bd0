"""The bundled rule pack: every rule loads, has both kinds of test, and passes its own cases."""

from __future__ import annotations

import pytest

from scanner.detect.rules import load_rules
from scanner.detect.ruletest import missing_cases, run_case

RULES = load_rules()


def test_pack_is_not_empty() -> None:
    assert len(RULES) >= 1


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_positive_and_negative_cases(rule) -> None:
    assert missing_cases(rule) == [], f"{rule.source}: {rule.id} lacks {missing_cases(rule)}"


@pytest.mark.parametrize(
    "rule_case", [(r, c) for r in RULES for c in r.tests], ids=lambda rc: f"{rc[0].id}:{rc[1].name}"
)
def test_rule_case(rule_case) -> None:
    rule, case = rule_case
    result = run_case(rule, case)
    assert result.error == "", result.error
    assert result.fired == case.expect, f"{result.where}: {case.name}"
