"""The rule engine's own section: `rules: {paths: [...], disabled: [...]}`, validated with file:line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.config import Config, check_keys, section, strs
from scanner.detect.rules import Rule, default_rules_dir, load_rules

KEYS = ("paths", "disabled")


@dataclass(frozen=True, slots=True)
class RuleSettings:
    paths: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()


def rule_settings(config: Config) -> RuleSettings:
    doc = section(config.raw, "rules", config.source)
    check_keys(doc, KEYS, config.source, "rules")
    return RuleSettings(strs(doc, "paths", config.source, "rules.paths"),
                        strs(doc, "disabled", config.source, "rules.disabled"))


def configured_rules(config: Config) -> list[Rule]:
    """The bundled pack plus the configured folders, less the disabled rule ids, bound to `trusted:`."""
    s = rule_settings(config)
    rules = load_rules([default_rules_dir(), *(Path(p) for p in s.paths)])
    disabled = set(s.disabled)
    return [r.bind(config.trusted) for r in rules if r.id not in disabled]
