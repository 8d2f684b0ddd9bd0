"""Load the detector pack (rules/secrets/*.yaml): one detector per file, errors name the file and line.

A detector file:

    id: secrets.github.token          # unique; findings carry it as `rule`
    title: GitHub token
    family: github                    # credential family, for reports and benchmarks
    severity: high
    engine: regex                     # or a Python engine from registry.ENGINES
    priority: 50                      # overlapping hits: the higher priority wins
    keywords: [ghp_, github_pat_]     # cheap prefilter: the detector runs only on text holding one
    pattern: '(?P<secret>ghp_(?P<body>[A-Za-z0-9]{36}))'   # `secret` group required for engine regex
    entropy: 3.0                      # floor, bits/char, on `body` if the pattern has it, else `secret`
    min_length: 0
    filters: [redacted, placeholder, reference]            # scanner.secrets.filters.FILTERS, in order
    allowlist: {secrets: [], regexes: [], stopwords: [], line_regexes: []}
    skip_paths: ['**/go.sum']
    severity_overrides: [{match: '_test_', severity: low}]
    params: {}                        # engine settings (thresholds live here, not in code)
    remediation: …
    tests: {true: [...], false: [...]}   # each true string must fire, each false string must not
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.model.finding import SEVERITIES
from scanner.packs import data_root, load_units
from scanner.secrets.filters import FILTERS
from scanner.secrets.model import DEFAULT_FILTERS, Allowlist, Case, DetectorSpec, SeverityOverride
from scanner.yamlio import LineDict, YamlError

KEYS = frozenset({
    "id", "title", "family", "severity", "engine", "priority", "keywords", "pattern", "entropy", "min_length",
    "filters", "allowlist", "skip_paths", "severity_overrides", "params", "remediation", "description",
    "references", "tests", "enabled",
})
ALLOWLIST_KEYS = frozenset({"secrets", "regexes", "stopwords", "line_regexes"})


def default_pack_dir() -> Path:
    return data_root() / "secrets"


def _line(doc: Any, key: str) -> int:
    return doc.line_of(key) if isinstance(doc, LineDict) else 0


def _str(doc: LineDict, key: str, path: str, required: bool = True, default: str = "") -> str:
    v = doc.get(key, None)
    if v is None:
        if required:
            raise YamlError(path, doc.line, f"missing `{key}`")
        return default
    if not isinstance(v, str) or (required and not v.strip()):
        raise YamlError(path, _line(doc, key), f"`{key}` must be a non-empty string")
    return v


def _strs(doc: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    v = doc.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise YamlError(path, _line(doc, key), f"`{key}` must be a list of strings")
    return tuple(v)


def _regex(text: str, path: str, line: int, what: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as e:
        raise YamlError(path, line, f"{what}: invalid regular expression: {e}") from None


def _number(doc: LineDict, key: str, path: str, default: float) -> float:
    v = doc.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
        raise YamlError(path, _line(doc, key), f"`{key}` must be a number >= 0")
    return float(v)


def _allowlist(doc: LineDict, path: str) -> Allowlist:
    a = doc.get("allowlist", {})
    if not isinstance(a, Mapping):
        raise YamlError(path, _line(doc, "allowlist"), "`allowlist` must be a mapping")
    for k in a:
        if k not in ALLOWLIST_KEYS:
            known = ", ".join(sorted(ALLOWLIST_KEYS))
            raise YamlError(path, _line(a, k), f"unknown allowlist key {k!r} (known: {known})")
    return Allowlist(
        secrets=frozenset(_strs(a, "secrets", path)),
        regexes=tuple(_regex(r, path, _line(a, "regexes"), "allowlist.regexes") for r in _strs(a, "regexes", path)),
        stopwords=tuple(w.lower() for w in _strs(a, "stopwords", path)),
        line_regexes=tuple(_regex(r, path, _line(a, "line_regexes"), "allowlist.line_regexes")
                           for r in _strs(a, "line_regexes", path)),
    )


def _cases(doc: LineDict, path: str) -> tuple[Case, ...]:
    t = doc.get("tests")
    if not isinstance(t, Mapping):
        raise YamlError(path, _line(doc, "tests"), "`tests` must be a mapping with `true:` and `false:` lists")
    out: list[Case] = []
    for key, expect in (("true", True), ("false", False)):
        # YAML 1.1 reads a bare `true:` key as the boolean; LineDict keys are strings already.
        name = key if key in t else str(expect)
        items = t.get(name)
        if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
            raise YamlError(path, _line(t, name), f"tests.{key} must be a non-empty list of strings")
        out.extend(Case(x, expect, _line(t, name)) for x in items)
    return tuple(out)


def parse_detector(doc: Any, path: str, engines: frozenset[str]) -> DetectorSpec:
    if not isinstance(doc, LineDict):
        raise YamlError(path, 1, "a detector file is a mapping")
    for k in doc:
        if k not in KEYS:
            raise YamlError(path, doc.line_of(k), f"unknown key {k!r}")
    rid = _str(doc, "id", path)
    severity = _str(doc, "severity", path)
    if severity not in SEVERITIES:
        raise YamlError(path, doc.line_of("severity"), f"severity must be one of {', '.join(SEVERITIES)}")
    engine = _str(doc, "engine", path, required=False, default="regex")
    if engine not in engines:
        raise YamlError(path, doc.line_of("engine"), f"unknown engine {engine!r} (known: {', '.join(sorted(engines))})")
    pattern = None
    if "pattern" in doc:
        pattern = _regex(_str(doc, "pattern", path), path, doc.line_of("pattern"), "pattern")
        if engine == "regex" and "secret" not in pattern.groupindex:
            raise YamlError(path, doc.line_of("pattern"), "pattern needs a named group (?P<secret>…)")
    elif engine == "regex":
        raise YamlError(path, doc.line, "engine regex needs `pattern`")
    filters = _strs(doc, "filters", path) if "filters" in doc else DEFAULT_FILTERS
    for f in filters:
        if f not in FILTERS:
            raise YamlError(path, doc.line_of("filters"), f"unknown filter {f!r} (known: {', '.join(FILTERS)})")
    overrides: list[SeverityOverride] = []
    raw_overrides = doc.get("severity_overrides", [])
    if not isinstance(raw_overrides, list):
        raise YamlError(path, doc.line_of("severity_overrides"), "`severity_overrides` must be a list")
    for o in raw_overrides:
        if not isinstance(o, Mapping) or not isinstance(o.get("match"), str) or o.get("severity") not in SEVERITIES:
            raise YamlError(path, _line(o, "match") or doc.line_of("severity_overrides"),
                            "each severity override needs `match` (regex) and a valid `severity`")
        overrides.append(SeverityOverride(_regex(o["match"], path, _line(o, "match"), "severity_overrides"),
                                          o["severity"]))
    params = doc.get("params", {})
    if not isinstance(params, Mapping):
        raise YamlError(path, doc.line_of("params"), "`params` must be a mapping")
    priority = doc.get("priority", 50)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise YamlError(path, doc.line_of("priority"), "`priority` must be an integer")
    return DetectorSpec(
        id=rid,
        title=_str(doc, "title", path),
        family=_str(doc, "family", path),
        severity=severity,
        source=path,
        engine=engine,
        priority=priority,
        keywords=tuple(k.lower() for k in _strs(doc, "keywords", path)),
        pattern=pattern,
        entropy=_number(doc, "entropy", path, 0.0),
        min_length=int(_number(doc, "min_length", path, 0)),
        filters=filters,
        allowlist=_allowlist(doc, path),
        skip_paths=_strs(doc, "skip_paths", path),
        severity_overrides=tuple(overrides),
        params=params,
        remediation=_str(doc, "remediation", path, required=False),
        description=_str(doc, "description", path, required=False),
        cases=_cases(doc, path),
    )


def load_pack(paths: list[Path] | None = None) -> list[DetectorSpec]:
    """Every `*.yaml` under the given directories/files (default: the bundled pack), sorted by file name."""
    from scanner.secrets.registry import ENGINES

    engines = frozenset(ENGINES)
    return load_units(paths or [default_pack_dir()], lambda doc, path: parse_detector(doc, path, engines),
                      "detector", recursive=False, cached=True)
