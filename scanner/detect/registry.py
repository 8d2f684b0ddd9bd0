"""Which detectors a scan runs. A visible dict from name to factory; config switches each on or off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scanner.config import Config
from scanner.detect.detector import Detector
from scanner.detect.engine import RuleEngine
from scanner.detect.rules import Rule, load_rules
from scanner.provenance.detector import factory as provenance
from scanner.state.base import StateStore


def load_configured_rules(config: Config) -> list[Rule]:
    extra = [Path(p) for p in config.rule_paths]
    from scanner.detect.rules import default_rules_dir

    rules = load_rules([default_rules_dir(), *extra])
    disabled = set(config.disabled_rules)
    return [r for r in rules if r.id not in disabled]


def _rules(config: Config, state: StateStore) -> Detector:
    return RuleEngine(load_configured_rules(config))


#: name → factory(config, state). `detectors: {name: {enabled: false}}` in config switches one off.
DETECTORS: dict[str, Callable[[Config, StateStore], Detector]] = {
    "rules": _rules,
    "provenance": provenance,
}


def build_detectors(config: Config, state: StateStore) -> list[Detector]:
    return [make(config, state) for name, make in DETECTORS.items() if config.detector_enabled(name)]
