"""The escalation catalogs (rules/catalogs/escalation_*.yaml) as typed records.

Data, not code: a path is a set of actions (AWS) or permissions (GCP) that together escalate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.packs import data_root
from scanner.yamlio import YamlError, load_file


@dataclass(frozen=True, slots=True)
class EscalationPath:
    id: str
    actions: tuple[str, ...]  # AWS actions / GCP permissions
    how: str
    on_others: bool = False
    passrole: bool = False
    assume: bool = False


def _load(name: str, key: str) -> tuple[EscalationPath, ...]:
    path = data_root() / "catalogs" / name
    doc: Any = load_file(str(path))
    paths = doc.get("paths") if isinstance(doc, dict) else None
    if not isinstance(paths, dict):
        raise YamlError(str(path), 1, "expected a `paths:` mapping")
    out = []
    for pid, spec in paths.items():
        acts = spec.get(key) if isinstance(spec, dict) else None
        if not isinstance(acts, list) or not acts or not all(isinstance(a, str) for a in acts):
            raise YamlError(str(path), paths.line_of(pid) if hasattr(paths, "line_of") else 1,
                            f"path {pid}: `{key}` must be a non-empty list")
        out.append(EscalationPath(str(pid), tuple(acts), str(spec.get("how", "")), bool(spec.get("on_others")),
                                  bool(spec.get("passrole")), bool(spec.get("assume"))))
    return tuple(out)


def aws_paths() -> tuple[EscalationPath, ...]:
    return _load("escalation_aws.yaml", "actions")


def gcp_paths() -> tuple[EscalationPath, ...]:
    return _load("escalation_gcp.yaml", "permissions")
