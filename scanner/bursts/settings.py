"""`detectors.bursts` options: per-rule threshold / window overrides, switches, and known values.

    detectors:
      bursts:
        rules:
          aws.bursts.console_login_failures_by_ip: {threshold: 20, window_seconds: 900}
          aws.bursts.access_denied_by_principal: {enabled: false}
          gcp.bursts.sa_new_caller: {baseline_days: 30, max_values: 500}   # learn rules
        known:                                   # first_seen rules: values that are expected
          aws.bursts.region_first_used: [us-east-1, eu-west-1]

A first_seen rule with no known values configured stays silent: without them every first event
of a fresh state would be "new".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from scanner.bursts.rules import DAY, BurstRule
from scanner.config import Config, check_keys, number, section, strs
from scanner.yamlio import LineDict, YamlError

#: what configuration may change in a `learn` rule (and only there)
LEARN_OVERRIDES = ("baseline_days", "forget_days", "max_values")

KEYS = ("enabled", "rules", "known")
RULE_KEYS = ("threshold", "window_seconds", "enabled", *LEARN_OVERRIDES)


@dataclass(frozen=True, slots=True)
class Override:
    threshold: int | None = None
    window_seconds: int | None = None
    enabled: bool = True
    learn: tuple[tuple[str, int], ...] = ()  # (LEARN_OVERRIDES key, value)


@dataclass(frozen=True, slots=True)
class BurstSettings:
    overrides: dict[str, Override]
    known: dict[str, frozenset[str]]


def _positive(doc: LineDict, key: str, path: str, where: str) -> int | None:
    if key not in doc:
        return None
    return int(number(doc, key, path, 1, 1, where=where))


def burst_settings(config: Config, rule_ids: frozenset[str],
                   learn_ids: frozenset[str] = frozenset()) -> BurstSettings:
    """Raises YamlError at the line of a bad value or of a rule id no burst rule has."""
    path = config.source
    opts = config.detector_options("bursts")
    check_keys(opts, KEYS, path, "detectors.bursts")
    overrides: dict[str, Override] = {}
    rules = section(opts, "rules", path, "detectors.bursts.rules")
    for rid, node in rules.items():
        where = f"detectors.bursts.rules.{rid}"
        _known_id(rid, rule_ids, path, rules.line_of(rid))
        if not isinstance(node, LineDict):
            raise YamlError(path, rules.line_of(rid), f"{where} must be a mapping")
        check_keys(node, RULE_KEYS, path, where)
        enabled = node.get("enabled", True)
        if not isinstance(enabled, bool):
            raise YamlError(path, node.line_of("enabled"), f"{where}.enabled must be true or false")
        learn: list[tuple[str, int]] = []
        for key in LEARN_OVERRIDES:
            v = _positive(node, key, path, where)
            if v is not None and rid not in learn_ids:
                raise YamlError(path, node.line_of(key), f"{where}.{key} applies only to rules that learn")
            if v is not None:
                learn.append((key, v))
        overrides[rid] = Override(_positive(node, "threshold", path, where),
                                  _positive(node, "window_seconds", path, where), enabled, tuple(learn))
    known_doc = section(opts, "known", path, "detectors.bursts.known")
    for rid in known_doc:
        _known_id(rid, rule_ids, path, known_doc.line_of(rid))
    known = {rid: frozenset(strs(known_doc, rid, path, f"detectors.bursts.known.{rid}")) for rid in known_doc}
    return BurstSettings(overrides, known)


def _known_id(rid: str, ids: frozenset[str], path: str, line: int) -> None:
    if rid not in ids:
        raise YamlError(path, line, f"unknown burst rule {rid!r} (`auditwarden rules list` shows them)")


def apply(rules: list[BurstRule], settings: BurstSettings) -> list[BurstRule]:
    """The rules as configured: overrides applied, switched-off rules dropped."""
    out = []
    for r in rules:
        o = settings.overrides.get(r.id, Override())
        if not o.enabled:
            continue
        if r.learn is not None and o.learn:
            v = dict(o.learn)
            learn = replace(r.learn, baseline_days=v.get("baseline_days", r.learn.baseline_days),
                            forget_days=v.get("forget_days", r.learn.forget_days),
                            max_values=v.get("max_values", r.learn.max_values))
            r = replace(r, learn=learn, window_seconds=learn.forget_days * DAY)
        out.append(replace(r, threshold=o.threshold or r.threshold,
                           window_seconds=o.window_seconds or r.window_seconds))
    return out
