"""The rule engine's own section: `rules: {paths: [...], disabled: [...]}`, validated with file:line."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from scanner.config import Config, Trusted, check_keys, section, strs
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
    return list(_pack(s.paths, s.disabled, config.trusted))


@lru_cache(maxsize=8)
def _pack(paths: tuple[str, ...], disabled: tuple[str, ...], trusted: Trusted) -> tuple[Rule, ...]:
    # Rules are immutable: one process loads (and compiles) a pack once. `--jobs N` loads it before
    # forking, so workers inherit it; a warm Lambda keeps it between invocations. A change to the
    # configured folders or lists is a new key; the files themselves are read once per process.
    rules = load_rules([default_rules_dir(), *(Path(p) for p in paths)])
    off = set(disabled)
    return tuple(r.bind(trusted) for r in rules if r.id not in off)
