"""Builds the burst detector from the bundled burst rules and `detectors.bursts` (the registry's entry)."""

from __future__ import annotations

from functools import cache

from scanner.bursts.detector import BurstDetector
from scanner.bursts.rules import BurstRule, load_burst_rules
from scanner.bursts.settings import BurstSettings, apply, burst_settings
from scanner.config import Config
from scanner.state.base import StateStore
from scanner.state.memory import MemoryStore


@cache
def _bundled() -> tuple[BurstRule, ...]:
    # Checked at config load and built right after (and once more per --jobs worker): parse once.
    return tuple(load_burst_rules())


def _settings(config: Config, rules: tuple[BurstRule, ...]) -> BurstSettings:
    return burst_settings(config, frozenset(r.id for r in rules), frozenset(r.id for r in rules if r.learn))


def check(config: Config) -> None:
    _settings(config, _bundled())


def factory(config: Config, state: StateStore) -> BurstDetector:
    rules = list(_bundled())
    settings = _settings(config, _bundled())
    # A scratch store (a --jobs run without --state) only lets workers meet; burst workers do not need
    # it (they defer to the parent), and counting in memory is what one job does too.
    store = MemoryStore() if getattr(state, "ephemeral", False) else state
    return BurstDetector(apply(rules, settings), store, settings.known)
