"""Immutable models of the secret scanner: a detector as loaded from YAML, a hit, a blob of text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Allowlist:
    """What a detector must not report even when its pattern matches."""

    secrets: frozenset[str] = frozenset()  # published example values, exactly
    regexes: tuple[re.Pattern[str], ...] = ()  # searched in the secret
    stopwords: tuple[str, ...] = ()  # lower-case substrings of the secret
    line_regexes: tuple[re.Pattern[str], ...] = ()  # searched in the line holding the secret

    def allows(self, secret: str, line: str) -> bool:
        if secret in self.secrets:
            return True
        if self.stopwords:
            low = secret.lower()
            if any(w in low for w in self.stopwords):
                return True
        return any(r.search(secret) for r in self.regexes) or any(r.search(line) for r in self.line_regexes)


@dataclass(frozen=True, slots=True)
class Case:
    """One embedded test string: `expect` True must fire the detector, False must not."""

    text: str
    expect: bool
    line: int  # where the case sits in the detector file


@dataclass(frozen=True, slots=True)
class SeverityOverride:
    """A severity for hits whose path matches `match`."""

    pattern: re.Pattern[str]
    severity: str


DEFAULT_FILTERS: tuple[str, ...] = ("redacted", "placeholder", "reference")


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """One file of rules/secrets/: the data; `engine` names the class that runs it."""

    id: str
    title: str
    family: str
    severity: str
    source: str
    engine: str = "regex"
    priority: int = 50  # when two hits overlap, the higher priority one is kept
    keywords: tuple[str, ...] = ()  # lower-case; the detector runs only on text holding one
    pattern: re.Pattern[str] | None = None
    entropy: float = 0.0  # Shannon bits per character, floor for the secret (or its `body` group)
    min_length: int = 0
    filters: tuple[str, ...] = DEFAULT_FILTERS
    allowlist: Allowlist = field(default_factory=Allowlist)
    skip_paths: tuple[str, ...] = ()  # globs (repo-relative) where this detector does not run
    severity_overrides: tuple[SeverityOverride, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    remediation: str = ""
    description: str = ""
    cases: tuple[Case, ...] = ()

    def severity_for(self, secret: str) -> str:
        for o in self.severity_overrides:
            if o.pattern.search(secret):
                return o.severity
        return self.severity


@dataclass(frozen=True, slots=True)
class Hit:
    """A secret found in a blob. `secret` never leaves the process: findings carry a redaction."""

    rule: str
    secret: str
    spans: tuple[tuple[int, int], ...]  # offsets in the blob text; the first one gives the line
    prefix: str = ""  # the public, literal head of the secret ("ghp_"), shown unredacted
    severity: str = ""  # "" = the detector's
    title: str = ""  # "" = the detector's
    account: str = ""
    principal: str = ""
    resource: str = ""
    evidence: Mapping[str, Any] = field(default_factory=dict)
    parts: tuple[str, ...] = ()  # what each span holds ("access key ID", …), when the finding names them

    @property
    def start(self) -> int:
        return min(s for s, _ in self.spans)

    @property
    def end(self) -> int:
        return max(e for _, e in self.spans)

    def overlaps(self, other: Hit) -> bool:
        return any(a < d and c < b for a, b in self.spans for c, d in other.spans)


@dataclass(frozen=True, slots=True)
class Blob:
    """Text to scan. `line_map[i]` is the real line number of text line i+1 (added lines of a diff)."""

    path: str  # repo-relative (or as given outside a repository); what findings and baselines name
    text: str
    line_map: Sequence[int] | None = None
    above: str = ""  # the unchanged line above the text (a diff run): read for next-line markers, not scanned
    commit: str = ""
    commit_time: str = ""


class Detector(Protocol):
    """One small class, one method: find the secrets of one kind in a text."""

    spec: DetectorSpec

    def find(self, text: str, low: str | None = None) -> Sequence[Hit]:
        """`low`, when given, is `text.lower()`: the scanner lower-cases each text once for all."""
        ...
