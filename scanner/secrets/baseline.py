"""Baseline of accepted findings: entries keyed by the finding id, a hash of (path, rule, secret).

No line numbers (moving code keeps a finding accepted) and no secret (the file is committed). Rule
and path are kept in the clear so that a reviewer can read what was accepted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scanner.model.finding import Finding

FORMAT = "auditwarden-secrets-baseline/1"


class BaselineError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Baseline:
    path: str
    entries: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # id → {rule, path}

    def suppresses(self, f: Finding) -> bool:
        return f.id in self.entries


def load_baseline(path: str, missing_ok: bool = False) -> Baseline:
    p = Path(path)
    if not p.exists():
        if missing_ok:
            return Baseline(path)
        raise BaselineError(f"{path}: no such baseline (create it with --baseline {path} --update)")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise BaselineError(f"{path}: cannot read: {e}") from None
    except json.JSONDecodeError as e:
        raise BaselineError(f"{path}:{e.lineno}: not JSON: {e.msg}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("entries"), list):
        raise BaselineError(f"{path}: not an auditwarden secrets baseline (format {FORMAT})")
    entries: dict[str, Mapping[str, str]] = {}
    for i, row in enumerate(doc["entries"]):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise BaselineError(f"{path}: entries[{i}] needs an `id`")
        entries[row["id"]] = {"rule": str(row.get("rule", "")), "path": str(row.get("path", ""))}
    return Baseline(path, entries)


def updated(previous: Baseline, findings: Iterable[Finding], scanned: set[str]) -> Baseline:
    """The baseline after accepting `findings`: entries of files this run did not look at are kept."""
    entries = {k: v for k, v in previous.entries.items() if v.get("path") not in scanned}
    for f in findings:
        entries[f.id] = {"rule": f.rule, "path": f.location.path if f.location else ""}
    return Baseline(previous.path, entries)


def write_baseline(b: Baseline) -> None:
    rows = [{"id": k, "rule": v["rule"], "path": v["path"]}
            for k, v in sorted(b.entries.items(), key=lambda kv: (kv[1]["path"], kv[1]["rule"], kv[0]))]
    doc = {"format": FORMAT,
           "key": "id = first 32 hex digits of sha256('secrets' US path US rule US secret); no secret, no lines",
           "entries": rows}
    Path(b.path).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
