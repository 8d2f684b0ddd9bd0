"""SARIF 2.1.0: what GitHub code scanning and most CI dashboards ingest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import IO, Any
from urllib.parse import quote

import orjson

from scanner import __version__
from scanner.model.finding import Finding

_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub ranks code-scanning alerts by this numeric property (0.0-10.0).
_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}


def to_sarif(findings: Iterable[Finding], rule_help: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, Any]:
    items = list(findings)
    help_ = rule_help or {}
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for f in items:
        if f.rule not in rules:
            h = help_.get(f.rule, {})
            rules[f.rule] = {
                "id": f.rule,
                "name": "".join(p.capitalize() for p in f.rule.replace("-", ".").replace("_", ".").split(".")),
                "shortDescription": {"text": h.get("title", f.title)},
                "fullDescription": {"text": h.get("description", f.title)},
                "help": {"text": h.get("remediation", f.remediation) or f.title},
                "defaultConfiguration": {"level": _LEVEL[f.severity]},
                "properties": {"tags": ["security", f.category], "security-severity": _SCORE[f.severity]},
            }
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": list(rules).index(f.rule),
            "level": _LEVEL[f.severity],
            "message": {"text": _message(f)},
            "partialFingerprints": {"auditwardenFindingId/v1": f.id},
            "properties": {"severity": f.severity, "category": f.category, "cloud": f.cloud},
        }
        if f.location is not None:
            region: dict[str, Any] = {"startLine": max(1, f.location.line)}
            if f.location.end_line > f.location.line:
                region["endLine"] = f.location.end_line
            result["locations"] = [{
                "physicalLocation": {"artifactLocation": {"uri": _uri(f.location.path)}, "region": region}
            }]
            related = _related(f)
            if related:
                result["relatedLocations"] = related
        elif f.resource:
            result["locations"] = [{"logicalLocations": [{"fullyQualifiedName": f.resource, "kind": "resource"}]}]
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "auditwarden",
                "version": __version__,
                "informationUri": "https://github.com/auditwarden/auditwarden",
                "rules": list(rules.values()),
            }},
            "results": results,
        }],
    }


def _uri(path: str) -> str:
    """A relative URI reference (GitHub resolves it against the repository root): no leading "./"
    (but ".env" keeps its dot), forward slashes, spaces and other specials percent-encoded."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return quote(p or path, safe="/@+,;=!$&'()*-._~")


def _related(f: Finding) -> list[dict[str, Any]]:
    """The other lines of a finding in several parts (the secret half of a key pair), each named."""
    assert f.location is not None
    named = {p.get("line"): str(p.get("part", "")) for p in f.evidence.get("parts", ()) if isinstance(p, Mapping)}
    return [{"id": i, "message": {"text": named.get(n) or "another part of this secret"},
             "physicalLocation": {"artifactLocation": {"uri": _uri(f.location.path)}, "region": {"startLine": n}}}
            for i, n in enumerate(n for n in f.location.lines if n != f.location.line)]


def _message(f: Finding) -> str:
    parts = [f.title]
    if f.principal:
        parts.append(f"principal: {f.principal}")
    if f.action and f.location is None:
        parts.append(f"action: {f.action}")
    return "; ".join(parts)


def write_sarif(findings: Iterable[Finding], out: IO[bytes],
                rule_help: Mapping[str, Mapping[str, str]] | None = None) -> None:
    out.write(orjson.dumps(to_sarif(findings, rule_help), option=orjson.OPT_INDENT_2) + b"\n")
