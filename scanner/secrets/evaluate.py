"""Accuracy on labelled data, for the tests and the benchmark, tool-agnostic.

Two labelled sets:
- gitleaks' rule cases (`rule_id`, T/F, text): a case *fires* when a tool reports anything in it.
  Each gitleaks rule maps to one of our credential families; rules of families we do not claim are
  left out. T cases that the extraction cut short (the Go source appended the secret at run time, so
  the text ends at `= "`, `: `, a bare `xoxs-`…) hold no secret and are not scored.
- our corpus (labels.yaml: positives with a line range and family; decoys): a positive is found when a
  report lands in its range (±1 line); a report outside every positive range is a false positive of
  the family the tool gave it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FAMILIES = ("aws", "gcp", "private-key", "github", "gitlab", "slack", "stripe", "generic")

#: gitleaks rule id (prefix) → our family. Order matters: first match wins.
GITLEAKS_FAMILY: tuple[tuple[str, str], ...] = (
    ("aws-access-token", "aws"), ("gcp-api-key", "gcp"), ("private-key", "private-key"), ("github-", "github"),
    ("gitlab-", "gitlab"), ("slack-", "slack"), ("stripe-", "stripe"), ("generic-api-key", "generic"),
)
#: gitleaks rules in our families that we do not score, and why.
GITLEAKS_UNCLAIMED: Mapping[str, str] = {
    "gcp-service-account": "its one case is the bare line `\"type\": \"service_account\"` — no key material",
    "aws-amazon-bedrock-api-key": "Bedrock API keys are not among the issue's credential families",
}


@dataclass(frozen=True, slots=True)
class Case:
    index: int
    rule_id: str
    family: str | None  # None: not one of ours
    expect: bool
    text: str


def truncated(text: str) -> bool:
    """True when a T case lost its secret in extraction (it ends where the generated value was)."""
    t = text.rstrip()
    if t in ("", '"', "'") or t.endswith(("=", ":", "/")):
        return True
    if re.search(r"(?:^|[\s\"'])[A-Za-z0-9.]{1,12}-(?:\d+-)?$", t):
        return True  # a bare vendor prefix: `xoxs-`, `xoxe.xoxp-1-`
    m = re.search(r"[=:]\s*([\"'])$", t)
    return m is not None and t.count(m.group(1)) % 2 == 1  # an opening quote with nothing after it


def family_of_gitleaks(rule_id: str) -> str | None:
    if any(rule_id.startswith(u) for u in GITLEAKS_UNCLAIMED):
        return None
    return next((f for p, f in GITLEAKS_FAMILY if rule_id.startswith(p)), None)


def load_gitleaks_cases(path: Path) -> list[Case]:
    """The scorable cases: every F case, and T cases that still hold their secret."""
    out: list[Case] = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        d = json.loads(line)
        expect = d["label"] == "T"
        if expect and truncated(d["text"]):
            continue
        out.append(Case(i, d["rule_id"], family_of_gitleaks(d["rule_id"]), expect, d["text"]))
    return out


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fn += other.fn
        self.fp += other.fp
        self.tn += other.tn


def score_cases(cases: Iterable[Case], fired: Mapping[int, bool]) -> dict[str, Score]:
    """Per family, over our families' cases: T fired = TP, T silent = FN, F fired = FP, F silent = TN."""
    scores: dict[str, Score] = {}
    for c in cases:
        if c.family is None:
            continue
        s = scores.setdefault(c.family, Score())
        hit = fired.get(c.index, False)
        if c.expect:
            s.tp += hit
            s.fn += not hit
        else:
            s.fp += hit
            s.tn += not hit
    return scores


@dataclass(frozen=True, slots=True)
class Positive:
    path: str
    line: int
    end: int
    family: str
    what: str


@dataclass(frozen=True, slots=True)
class Decoy:
    path: str
    line: int
    kind: str


@dataclass(frozen=True, slots=True)
class Reported:
    path: str
    line: int
    family: str
    label: str = ""  # the tool's name for it


@dataclass
class CorpusResult:
    scores: dict[str, Score]
    missed: list[Positive] = field(default_factory=list)
    false_positives: list[tuple[Reported, str]] = field(default_factory=list)  # (report, decoy kind or "")


def load_labels(path: Path) -> tuple[list[Positive], list[Decoy]]:
    import yaml

    doc: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    pos = [Positive(p["path"], int(p["line"]), int(p["end"]), p["family"], p.get("what", "")) for p in doc["positives"]]
    dec = [Decoy(d["path"], int(d["line"]), d["kind"]) for d in doc.get("decoys", [])]
    return pos, dec


def score_corpus(reported: Iterable[Reported], positives: list[Positive], decoys: list[Decoy]) -> CorpusResult:
    scores = {f: Score() for f in sorted({p.family for p in positives})}
    found: set[int] = set()
    for r in reported:
        hits = [i for i, p in enumerate(positives) if p.path == r.path and p.line - 1 <= r.line <= p.end + 1]
        if hits:
            found.update(hits)  # a second report of a found positive is a duplicate, not an error
            continue
        scores.setdefault(r.family, Score()).fp += 1
    result = CorpusResult(scores)
    for i, p in enumerate(positives):
        if i in found:
            scores[p.family].tp += 1
        else:
            scores[p.family].fn += 1
            result.missed.append(p)
    decoy_at = {(d.path, d.line): d.kind for d in decoys}
    for r in reported:
        if not any(p.path == r.path and p.line - 1 <= r.line <= p.end + 1 for p in positives):
            result.false_positives.append((r, decoy_at.get((r.path, r.line), "")))
    return result


def total(scores: Mapping[str, Score]) -> Score:
    t = Score()
    for s in scores.values():
        t.add(s)
    return t
