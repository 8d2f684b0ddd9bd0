"""Run the detector pack over one blob: keyword prefilter, detectors, overlap resolution, allowlists,
inline suppressions, line numbers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from scanner.secrets.globs import matcher
from scanner.secrets.keywords import KeywordIndex
from scanner.secrets.layers import ESCAPED_SLASH, Layers, View
from scanner.secrets.lines import LineIndex
from scanner.secrets.model import Blob, Detector, DetectorSpec, Hit

#: Markers that silence a finding on their own line (ours, detect-secrets', gitleaks').
ALLOW_MARKERS = ("auditwarden:allow", "pragma: allowlist secret", "gitleaks:allow")
#: A detector file of this pack: its `id:` and its `tests:` section.
_PACK_FILE = re.compile(r"^id: secrets\.[\w.]+\s*$(?s:.*)^tests:\s*$", re.MULTILINE)
#: Markers that silence a finding on the next line.
ALLOW_NEXT_MARKERS = ("auditwarden:allow-next-line", "pragma: allowlist nextline secret")


@dataclass(frozen=True, slots=True)
class LocatedHit:
    """A hit with the line numbers a finding reports."""

    spec: DetectorSpec
    hit: Hit
    line: int  # 1-based, in the file (the diff's new-file numbering for --since)
    part_lines: tuple[int, ...] = ()  # the line of each of hit.parts, numbered as `line`


@dataclass(frozen=True, slots=True)
class BlobResult:
    """The hits of one blob, and how many inline markers silenced."""

    hits: tuple[LocatedHit, ...]
    inline_allowed: int


def _inline_allowed(lines: LineIndex, hit: Hit, above: str) -> bool:
    first = lines.line_of(hit.start)
    last = min(lines.line_of(max(hit.start, hit.end - 1)), first + 200)
    for ln in range(first, last + 1):
        text = lines.line_text(ln)
        if any(m in text for m in ALLOW_MARKERS):
            return True
    prev = lines.line_text(first - 1) if first > 1 else above
    return any(m in prev for m in ALLOW_NEXT_MARKERS)


def _number(blob: Blob, line: int) -> int:
    """A line of the blob's text as the file numbers it (--since scans runs of added lines)."""
    return blob.line_map[line - 1] if blob.line_map and line - 1 < len(blob.line_map) else line


class SecretScanner:
    def __init__(self, specs: Sequence[DetectorSpec], engines: dict[str, Callable[[DetectorSpec], Detector]],
                 disabled: Iterable[str] = (), layers: Layers | None = None) -> None:
        self.layers = layers or Layers()
        off = set(disabled)
        self.specs = tuple(s for s in specs if s.id not in off)
        self._detectors = [(s, engines[s.engine](s), matcher(s.skip_paths)) for s in self.specs]
        self._published: frozenset[str] | None = None
        # Also the layers' words: one pass tells the detectors and the decoder what the text holds.
        self._index = KeywordIndex([k for s in self.specs for k in s.keywords] + list(self.layers.triggers)
                                   + [ESCAPED_SLASH])

    def published(self) -> frozenset[str]:
        """The secrets of the pack's own must-fire cases: published examples, like AWS's …EXAMPLE keys.
        Worked out when first needed: start-up is the hook's budget."""
        if self._published is None:
            self._published = frozenset(
                h.secret for spec, det, _ in self._detectors for c in spec.cases if c.expect for h in det.find(c.text))
        return self._published

    def _find(self, text: str, low: str, path: str, present: frozenset[str]) -> Iterable[tuple[DetectorSpec, Hit]]:
        for spec, det, skip in self._detectors:
            if spec.keywords and present.isdisjoint(spec.keywords):
                continue
            if skip(path):
                continue
            for h in det.find(text, low):
                yield spec, h

    @staticmethod
    def _through(view: View, h: Hit) -> Hit | None:
        """A hit in the decoded view, placed on the encoded original; None if no layer was involved
        (the reading of the original found it already)."""
        mapped = [view.span(s, e) for s, e in h.spans]
        kinds = [k for _, k in mapped if k]
        if not kinds:
            return None
        kind = "base64" if "base64" in kinds else kinds[0]
        return replace(h, spans=tuple(s for s, _ in mapped), evidence={**h.evidence, "encoding": kind})

    def scan(self, blob: Blob) -> BlobResult:
        text = blob.text
        low = text.lower()
        present = self._index.present(low)
        found = list(self._find(text, low, blob.path, present))
        view = self.layers.view(text, not present.isdisjoint(self.layers.triggers), ESCAPED_SLASH in present)
        if view is not None:
            view_low = view.text.lower()
            for spec, h in self._find(view.text, view_low, blob.path, self._index.present(view_low)):
                placed = self._through(view, h)
                if placed is not None:
                    found.append((spec, placed))
        if not found:
            return BlobResult((), 0)
        # One secret, one finding: the most specific detector keeps it (a GCP key file over the PEM
        # inside it, a GitHub token over the generic assignment that holds it).
        found.sort(key=lambda sh: (-sh[0].priority, sh[1].start, sh[1].start - sh[1].end))
        kept: list[tuple[DetectorSpec, Hit]] = []
        # A detector file (this pack, vendored or installed) holds its cases: those values are examples
        # there. The same values anywhere else are reported (gitleaks' corpus shares some of them).
        published = self.published() if _PACK_FILE.search(text) else frozenset()
        for spec, h in found:
            if h.secret not in published and not any(h.overlaps(k) for _, k in kept):
                kept.append((spec, h))
        lines = LineIndex(text)
        out: list[LocatedHit] = []
        allowed = 0
        for spec, h in kept:
            first = lines.line_of(h.spans[0][0])
            if spec.allowlist.allows(h.secret, lines.line_text(first)):
                continue
            if _inline_allowed(lines, h, blob.above):
                allowed += 1
                continue
            numbered = [_number(blob, lines.line_of(s)) for s, _ in h.spans[:len(h.parts)]]
            out.append(LocatedHit(spec, h, _number(blob, first), tuple(numbered)))
        out.sort(key=lambda lh: (lh.line, lh.hit.start))
        return BlobResult(tuple(out), allowed)
