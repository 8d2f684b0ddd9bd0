"""Rules as data: one YAML file per rule in `rules/`, each with its own must-fire and must-not tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.config import Trusted, parse_trusted
from scanner.detect.early import NOTHING_EARLY, Early, early, rest_of, top_paths
from scanner.detect.expr import ExprError, Getter, Pred, compile_expr, getter
from scanner.detect.outcome import is_denied
from scanner.model.event import Event
from scanner.model.finding import CATEGORIES, SEVERITIES
from scanner.packs import data_root, load_units
from scanner.yamlio import LineDict, YamlError

REQUIRED = ("id", "title", "severity", "category", "description", "remediation", "cloud", "match", "tests")
OPTIONAL = ("tags", "references", "resource", "evidence", "severity_denied", "enabled", "kind", "report_failed")
CLOUDS = ("aws", "gcp")


@dataclass(frozen=True, slots=True)
class RuleTest:
    name: str
    expect: bool
    record: Mapping[str, Any]  # a raw record in any supported wire shape
    line: int
    trusted: Trusted | None = None  # the case's own `trusted:` lists (a share to "our" account must not fire)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: str
    category: str
    description: str
    remediation: str
    cloud: str
    match: Pred
    tests: tuple[RuleTest, ...]
    source: str  # file:line, for errors and `rules list`
    index: tuple[tuple[str, str], ...]  # (service, operation) pairs; ("*", op) or () for unindexed
    principal_types: tuple[str, ...]  # used to index rules without an operation
    resource: Getter | None = None
    evidence: tuple[tuple[str, Getter], ...] = ()
    severity_denied: str = ""
    #: also report calls that failed for a reason other than authorization (a quota refusing a GPU
    #: launch); by default such a call changed nothing and is noise (see scanner.detect.outcome)
    report_failed: bool = False
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    match_doc: Any = None  # the `match` as written, recompiled by bind() with the configured trusted lists
    #: the parts of `match` decidable before normalizing (never `trusted`/`untrusted`, so bind() keeps them)
    early: Early = NOTHING_EARLY
    #: what is left of `match` for an event whose key-only parts hold (early.rest_of): None = all of
    #: `match`; early.always when the key alone decides
    beyond_key: Pred | None = None

    def bind(self, trusted: Trusted) -> Rule:
        """This rule with its `trusted`/`untrusted` operators reading these lists."""
        if self.match_doc is None or top_paths(self.match_doc) is not None:
            return self  # no such operator (they are what top_paths cannot see through): nothing to bind
        return replace(self, match=compile_expr(self.match_doc, trusted=trusted),
                       beyond_key=rest_of(self.match_doc, "match", trusted))

    def holds_beyond_key(self, ev: Event) -> bool:
        """`match` for an event whose key-only parts are known to hold (a rules-engine candidate of its key)."""
        return (self.beyond_key or self.match)(ev)

    def judges(self, ev: Event) -> bool:
        """Whether the call's outcome is one this rule reports: done, denied by authorization, or (only
        with `report_failed`) failed otherwise."""
        return ev.success or self.report_failed or is_denied(ev)


def scalars(v: Any) -> tuple[str, ...]:
    """A string or a list of strings as a tuple; anything else as ()."""
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return tuple(v)
    return ()


def check_header(doc: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...],
                 what: str = "rule") -> LineDict:
    """The keys every rule-like file shares (id, title, severity, category, cloud, ...), checked
    with file:line errors; returns the document as a LineDict."""
    if not isinstance(doc, LineDict):
        raise YamlError(path, 1, f"a {what} file holds one mapping")
    for key in required:
        if key not in doc:
            raise YamlError(path, doc.line, f"missing required key {key!r}")
    for key in doc:
        if key not in required and key not in optional:
            raise YamlError(path, doc.line_of(key), f"unknown key {key!r}")

    def fail(key: str, msg: str) -> YamlError:
        return YamlError(path, doc.line_of(key), msg)

    for key in ("id", "title", "description", "remediation"):
        if not isinstance(doc[key], str) or not doc[key].strip():
            raise fail(key, f"{key} must be a non-empty string")
    if doc["severity"] not in SEVERITIES:
        raise fail("severity", f"severity must be one of {', '.join(SEVERITIES)}")
    if doc.get("severity_denied", "") not in ("", *SEVERITIES):
        raise fail("severity_denied", f"severity_denied must be one of {', '.join(SEVERITIES)}")
    if doc["category"] not in CATEGORIES:
        raise fail("category", f"category must be one of {', '.join(sorted(CATEGORIES))}")
    if doc["cloud"] not in CLOUDS:
        raise fail("cloud", "cloud must be aws or gcp")
    return doc


def parse_rule(doc: Any, path: str) -> Rule:
    doc = check_header(doc, path, REQUIRED, OPTIONAL)

    def fail(key: str, msg: str) -> YamlError:
        return YamlError(path, doc.line_of(key), msg)

    match = doc["match"]
    try:
        pred = compile_expr(match)
        res_get = getter(doc["resource"], "resource") if "resource" in doc else None
        ev_items: list[tuple[str, Getter]] = []
        ev_spec = doc.get("evidence", {})
        if not isinstance(ev_spec, Mapping):
            raise fail("evidence", "evidence maps a name to a field path")
        for name, p in ev_spec.items():
            ev_items.append((str(name), getter(str(p), f"evidence.{name}")))
    except ExprError as e:
        line = match.line if isinstance(match, LineDict) else doc.line_of("match")
        raise YamlError(path, line, str(e)) from None

    services = scalars(match.get("service")) if isinstance(match, Mapping) else ()
    operations = scalars(match.get("operation")) if isinstance(match, Mapping) else ()
    ptypes = scalars(match.get("principal_type")) if isinstance(match, Mapping) else ()
    index: tuple[tuple[str, str], ...] = ()
    if operations:
        index = tuple((s, o) for s in (services or ("*",)) for o in operations)

    if not isinstance(doc.get("report_failed", False), bool):
        raise fail("report_failed", "report_failed must be true or false")
    tests = _parse_tests(doc, path)
    return Rule(
        id=doc["id"],
        title=doc["title"].strip(),
        severity=doc["severity"],
        category=doc["category"],
        description=doc["description"].strip(),
        remediation=doc["remediation"].strip(),
        cloud=doc["cloud"],
        match=pred,
        tests=tests,
        source=f"{path}:{doc.line}",
        index=index,
        principal_types=ptypes,
        resource=res_get,
        evidence=tuple(ev_items),
        severity_denied=doc.get("severity_denied", ""),
        report_failed=doc.get("report_failed", False),
        tags=scalars(doc.get("tags", [])),
        references=scalars(doc.get("references", [])),
        match_doc=match,
        early=early(match, doc["cloud"]),
        beyond_key=rest_of(match, "match"),
    )


def case_entries(doc: LineDict, path: str) -> list[tuple[int, int, Any]]:
    """(index, line, entry) of each item under `tests:`, which must be a non-empty list."""
    raw = doc["tests"]
    if not isinstance(raw, list) or not raw:
        raise YamlError(path, doc.line_of("tests"), "tests must be a non-empty list")
    return [(i, t.line if isinstance(t, LineDict) else doc.line_of("tests"), t) for i, t in enumerate(raw)]


def _parse_tests(doc: LineDict, path: str) -> tuple[RuleTest, ...]:
    out: list[RuleTest] = []
    for i, line, t in case_entries(doc, path):
        if not isinstance(t, Mapping) or not isinstance(t.get("expect"), bool) or "record" not in t:
            raise YamlError(path, line, f"tests[{i}] needs `name`, `expect: true|false` and `record`")
        if not isinstance(t["record"], Mapping):
            raise YamlError(path, line, f"tests[{i}].record must be a mapping (a raw audit record)")
        trusted = None
        if "trusted" in t:
            node = t["trusted"]
            if not isinstance(node, LineDict):
                raise YamlError(path, line, f"tests[{i}].trusted must be a mapping like the config's `trusted:`")
            trusted = parse_trusted(node, path, f"tests[{i}].trusted")
        out.append(RuleTest(str(t.get("name", f"case {i}")), t["expect"], t["record"], line, trusted))
    return tuple(out)


def default_rules_dir() -> Path:
    return data_root()


def load_rules(paths: list[Path] | None = None) -> list[Rule]:
    """Load every `*.yaml` under the given directories/files (default: the bundled pack). The parsed
    documents come from the user cache while current (scanner.packcache): parsing a large pack with
    PyYAML costs every scan more than judging thousands of records."""
    return load_units(paths or [default_rules_dir()], parse_rule, "rule", recursive=True, skip=_is_catalog,
                      cached=True)


#: Folders under rules/ that hold other data (the deploy catalog, secret detectors, burst rules), not rules.
NOT_RULES = frozenset({"catalogs", "secrets", "bursts"})


def _is_catalog(p: Path) -> bool:
    return not NOT_RULES.isdisjoint(p.parts)
