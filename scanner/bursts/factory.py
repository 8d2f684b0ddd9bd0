"""Builds the burst detector from the bundled burst rules and `detectors.bursts` (the registry's entry)."""

from __future__ import annotations

from scanner.bursts.detector import BurstDetector
from scanner.bursts.rules import load_burst_rules
from scanner.bursts.settings import apply, burst_settings
from scanner.config import Config
from scanner.state.base import StateStore


def check(config: Config) -> None:
    burst_settings(config, frozenset(r.id for r in load_burst_rules()))


def factory(config: Config, state: StateStore) -> BurstDetector:
    rules = load_burst_rules()
    settings = burst_settings(config, frozenset(r.id for r in rules))
    return BurstDetector(apply(rules, settings), state, settings.known)
