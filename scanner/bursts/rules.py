"""Burst rules as data: one YAML file a rule in `rules/bursts/`, with sequences that must and must not fire."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

from scanner.config import number
from scanner.detect.early import NOTHING_EARLY, Early, early, rest_of
from scanner.detect.expr import ExprError, Getter, Pred, compile_expr, getter
from scanner.detect.rules import case_entries, check_header, scalars
from scanner.model.event import Event
from scanner.packs import data_root, load_units
from scanner.yamlio import LineDict, YamlError

REQUIRED = ("id", "title", "severity", "category", "cloud", "description", "remediation", "match",
            "group_by", "threshold", "window_seconds", "tests")
OPTIONAL = ("count_distinct", "then", "first_seen", "learn", "tags", "references", "enabled")
#: a `learn` rule counts no events, so its threshold and window are not asked for
LEARN_NOT_REQUIRED = ("threshold", "window_seconds")
LEARN_KEYS = ("baseline_days", "forget_days", "max_values", "scope", "alert_on")
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Learn:
    """A first_seen rule whose known values are learned per group, not configured.

    A value is new when the group's memory lacks it; it alerts only once the baseline is
    `baseline_days` old (cold start: a fresh state must not call every caller new) — the group's
    own oldest memory (`scope: group`, e.g. a service account's callers), or how long the detector
    has watched this cloud's logs (`scope: detector`, e.g. principals that never used a service,
    where an account that never used it has no memory at all). Values unseen for `forget_days`
    are forgotten and at most `max_values` are kept per group, the least recently seen dropped.
    """

    baseline_days: int
    forget_days: int
    max_values: int
    scope: str  # "group" | "detector"
    alert_on: Pred | None  # which matched events may alert; every matched event teaches


@dataclass(frozen=True, slots=True)
class Step:
    """`repeat` copies of `record`, `every_seconds` apart, with `vary` paths cycling through values."""

    record: Mapping[str, Any]
    repeat: int
    every_seconds: int
    vary: tuple[tuple[tuple[str, ...], tuple[Any, ...]], ...]


@dataclass(frozen=True, slots=True)
class BurstCase:
    name: str
    expect: int  # how many findings the sequence must produce
    steps: tuple[Step, ...]
    known: tuple[str, ...]  # first_seen rules: the values configured as known
    line: int


@dataclass(frozen=True, slots=True)
class BurstRule:
    id: str
    title: str
    severity: str
    category: str
    cloud: str
    description: str
    remediation: str
    match: Pred
    group_by: tuple[tuple[str, Getter], ...]
    threshold: int
    window_seconds: int
    tests: tuple[BurstCase, ...]
    source: str
    index: tuple[tuple[str, str], ...]  # (service or "*", operation) pairs the rule needs to see
    count_distinct: tuple[str, Getter] | None = None
    then: Pred | None = None  # fire on this event once the count is reached (e.g. a ransom note)
    first_seen: tuple[str, Getter] | None = None  # fire on a value of this path not seen before
    learn: Learn | None = None  # first_seen values learned from the logs instead of configured
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    #: the parts of `match` and `then` decidable before normalizing (detect/early.py)
    early: Early = NOTHING_EARLY
    then_early: Early | None = None
    #: what is left of `match` / `then` for an event whose key-only parts hold (early.beyond_key);
    #: None: all of it
    match_rest: Pred | None = None
    then_rest: Pred | None = None


def _int(doc: LineDict, key: str, path: str, minimum: int) -> int:
    return int(number(doc, key, path, None, minimum))  # required: absent is an error too


def _learn(doc: LineDict, path: str) -> Learn | None:
    node = doc.get("learn")
    if node is None:
        return None
    if not isinstance(node, LineDict):
        raise YamlError(path, doc.line_of("learn"), "learn must be a mapping")
    if "first_seen" not in doc:
        raise YamlError(path, doc.line_of("learn"), "learn needs first_seen: the path whose values are learned")
    for key in node:
        if key not in LEARN_KEYS:
            raise YamlError(path, node.line_of(key), f"unknown key learn.{key!r} (known: {', '.join(LEARN_KEYS)})")
    scope = node.get("scope", "group")
    if scope not in ("group", "detector"):
        raise YamlError(path, node.line_of("scope"), "learn.scope is group or detector")
    try:
        alert_on = compile_expr(node["alert_on"], "learn.alert_on") if "alert_on" in node else None
    except ExprError as e:
        raise YamlError(path, node.line_of("alert_on"), str(e)) from None
    return Learn(_int(node, "baseline_days", path, 1), _int(node, "forget_days", path, 1),
                 _int(node, "max_values", path, 1), scope, alert_on)


#: Event fields that hold text: one is "" exactly where a first_seen rule reads no value from it.
_TEXT_FIELDS = frozenset(name for name, kind in get_type_hints(Event).items() if kind is str)


def _observed(expr: Any, first_seen: tuple[str, Getter] | None) -> Any:
    """`expr` and what else an event needs to be observed at all, for the early checks: a first_seen
    rule observes nothing of an event without a value (detector.py), so "the value is not empty" is a
    necessary part too, stated where the path is a text field of the Event (a GCP principal is then
    decided early, detect/early.py)."""
    if first_seen is None or first_seen[0] not in _TEXT_FIELDS or not isinstance(expr, Mapping):
        return expr
    return {"all": [expr, {first_seen[0]: {"exists": True}}]}


def parse_burst_rule(doc: Any, path: str) -> BurstRule:
    learns = isinstance(doc, Mapping) and "learn" in doc
    required = tuple(k for k in REQUIRED if not (learns and k in LEARN_NOT_REQUIRED))
    doc = check_header(doc, path, required, OPTIONAL, "burst rule")
    learn = _learn(doc, path)
    match = doc["match"]
    try:
        pred = compile_expr(match)
        then = compile_expr(doc["then"], "then") if "then" in doc else None
        group = tuple((p, getter(p, "group_by")) for p in scalars(doc["group_by"]))
        distinct = doc.get("count_distinct")
        count_distinct = (distinct, getter(distinct, "count_distinct")) if isinstance(distinct, str) else None
        seen = doc.get("first_seen")
        first_seen = (seen, getter(seen, "first_seen")) if isinstance(seen, str) else None
    except ExprError as e:
        raise YamlError(path, doc.line_of("match"), str(e)) from None
    if not group:
        raise YamlError(path, doc.line_of("group_by"), "group_by must name at least one field")
    services = scalars(match.get("service")) if isinstance(match, Mapping) else ()
    operations = scalars(match.get("operation")) if isinstance(match, Mapping) else ()
    if then is not None and isinstance(doc["then"], Mapping):
        operations += scalars(doc["then"].get("operation"))
    if not operations:
        raise YamlError(path, doc.line_of("match"), "name match.operation: a burst rule must not see every event")
    return BurstRule(
        id=doc["id"], title=doc["title"].strip(), severity=doc["severity"], category=doc["category"],
        cloud=doc["cloud"], description=doc["description"].strip(), remediation=doc["remediation"].strip(),
        match=pred, group_by=group,
        threshold=1 if learn else _int(doc, "threshold", path, 1),
        window_seconds=learn.forget_days * DAY if learn else _int(doc, "window_seconds", path, 1),
        tests=_parse_cases(doc, path),
        source=f"{path}:{doc.line}",
        index=tuple((s, o) for s in (services or ("*",)) for o in operations),
        count_distinct=count_distinct, then=then, first_seen=first_seen, learn=learn,
        tags=scalars(doc.get("tags", [])), references=scalars(doc.get("references", [])),
        early=early(_observed(match, first_seen), doc["cloud"]),
        then_early=early(_observed(doc["then"], first_seen), doc["cloud"]) if then is not None else None,
        match_rest=rest_of(match, "match"), then_rest=rest_of(doc["then"], "then") if then is not None else None,
    )


def _parse_cases(doc: LineDict, path: str) -> tuple[BurstCase, ...]:
    out: list[BurstCase] = []
    for i, line, t in case_entries(doc, path):
        if not isinstance(t, Mapping) or not isinstance(t.get("steps"), list) or not t["steps"]:
            raise YamlError(path, line, f"tests[{i}] needs `name`, `expect` (findings) and `steps`")
        expect = t.get("expect")
        if not isinstance(expect, int) or isinstance(expect, bool) or expect < 0:
            raise YamlError(path, line, f"tests[{i}].expect is the number of findings the steps produce")
        out.append(BurstCase(str(t.get("name", f"case {i}")), expect,
                             tuple(_step(s, path, line) for s in t["steps"]), scalars(t.get("known", [])), line))
    return tuple(out)


def _step(s: Any, path: str, line: int) -> Step:
    if not isinstance(s, Mapping) or not isinstance(s.get("record"), Mapping):
        raise YamlError(path, line, "each step needs a `record` (a raw audit record)")
    repeat = s.get("repeat", 1)
    every = s.get("every_seconds", 1)
    vary = s.get("vary", {})
    if not isinstance(repeat, int) or not isinstance(every, int) or not isinstance(vary, Mapping):
        raise YamlError(path, line, "repeat and every_seconds are integers, vary maps a path to values")
    pairs = tuple((tuple(str(k).split(".")), tuple(v if isinstance(v, list) else [v])) for k, v in vary.items())
    return Step(s["record"], repeat, every, pairs)


def bursts_dir() -> Path:
    return data_root() / "bursts"


def load_burst_rules(paths: list[Path] | None = None) -> list[BurstRule]:
    """The given files/folders, or the bundled `rules/bursts` (none when a data root has no such folder)."""
    if not paths:
        if not bursts_dir().is_dir():
            return []
        paths = [bursts_dir()]
    return load_units(paths, parse_burst_rule, "burst rule", recursive=True, cached=True)  # as rules: packcache
