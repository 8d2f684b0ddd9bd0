"""A second reading of a text with one layer of encoding taken off: base64 runs that decode to text,
and JSON's escaped slashes (`\\/`). Detectors run on it as on any text; `View.span` maps what they
find back to the encoded original, so a finding points at the line where the encoded value sits.

Decoding every base64-looking run of every file would cost more than the rest of the scan, so a
text is decoded only when it holds the base64 form (at any of the three byte alignments) of a word
that a credential carries: `AKIA`, `service_account`, `PRIVATE KEY`, ….
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

# A run of base64, also wrapped over lines (`base64` wraps at 76 columns; YAML block scalars indent).
# A continuation line holds base64 and nothing else (not `after: 1`).
_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}(?:[ \t]*\r?\n[ \t]*[A-Za-z0-9+/]{4,}={0,2}(?=[ \t]*(?:\r?\n|$)))*")
_WRAP = re.compile(r"\s+")
# Control characters and what lies beyond the BMP: written as the (small) set itself, not as the
# complement of the printable ranges, which `re` spends 10 ms compiling at every start.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\U00010000-\U0010ffff]")


ESCAPED_SLASH = "\\/"  # JSON's optional escape of `/`


def needles(word: bytes) -> tuple[str, ...]:
    """The base64 characters that `word` fixes at each of the three alignments it can start at."""
    out = []
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + word + b"\0\0").decode()
        first = -(-8 * pad // 6)  # the first character whose six bits all come from `word`
        last = (8 * (pad + len(word))) // 6  # one past the last such character
        out.append(enc[first:last])
    return tuple(n for n in out if len(n) >= 4)


@dataclass(frozen=True, slots=True)
class Edit:
    """One span of the original replaced in the view."""

    start: int  # in the original text
    end: int
    text: str  # what the view holds instead
    kind: str  # "base64" | "escaped"


class View:
    """The text with its edits applied, and the way back to the original's offsets."""

    def __init__(self, original: str, edits: list[Edit]) -> None:
        parts: list[str] = []
        self.edits = edits
        self._view_starts: list[int] = []
        self._view_ends: list[int] = []
        pos = vpos = 0
        for e in edits:
            parts.append(original[pos:e.start])
            vpos += e.start - pos
            self._view_starts.append(vpos)
            parts.append(e.text)
            vpos += len(e.text)
            self._view_ends.append(vpos)
            pos = e.end
        parts.append(original[pos:])
        self.text = "".join(parts)

    def _to_original(self, vpos: int, end: bool) -> tuple[int, str]:
        probe = vpos - 1 if end else vpos
        i = bisect_right(self._view_starts, probe) - 1
        if i < 0:
            return vpos, ""
        e = self.edits[i]
        if probe < self._view_ends[i]:
            return (e.end if end else e.start), e.kind  # inside an edit: the whole encoded run
        return e.end + (vpos - self._view_ends[i]), ""

    def span(self, start: int, end: int) -> tuple[tuple[int, int], str]:
        """The original span of a view span, and the kind of layer it came through ("" for none)."""
        s, _ = self._to_original(start, False)
        e, _ = self._to_original(end, True)
        kind = ""
        i = bisect_right(self._view_starts, max(start, end - 1)) - 1
        while i >= 0 and self._view_ends[i] > start:
            kind = self.edits[i].kind
            if kind == "base64":
                break
            i -= 1
        return (s, max(e, s)), kind


#: Words whose base64 form makes a text worth decoding (settings: `decoding.base64_triggers`).
DEFAULT_TRIGGERS = ("AKIA", "ASIA", "service_account", "PRIVATE KEY")
DEFAULT_MIN_RUN = 24  # base64 characters: a 20-character AWS key ID takes 28
DEFAULT_PRINTABLE_SHARE = 0.95  # of the decoded characters, for it to be text


class Layers:
    def __init__(self, trigger_words: Iterable[str] = DEFAULT_TRIGGERS, min_run: int = DEFAULT_MIN_RUN,
                 printable_share: float = DEFAULT_PRINTABLE_SHARE) -> None:
        self.needles = tuple(n for w in trigger_words for n in needles(w.encode()))
        # Looked for in the lower-cased text with the detectors' keywords (a superset of the exact needles).
        self.triggers = frozenset(n.lower() for n in self.needles)
        self.min_run = min_run
        self.printable_share = printable_share

    def view(self, text: str, base64_likely: bool | None = None, escaped: bool | None = None) -> View | None:
        """None when there is nothing to take off (the common case). `base64_likely`: whether the text
        holds a trigger; `escaped`: whether it holds ESCAPED_SLASH (the caller's keyword pass knows
        both); None to look here."""
        edits: list[Edit] = []
        if base64_likely if base64_likely is not None else any(n in text for n in self.needles):
            edits.extend(self._base64(text))
        if escaped if escaped is not None else ESCAPED_SLASH in text:
            taken = [(e.start, e.end) for e in edits]
            for m in re.finditer(r"\\/", text):
                if not any(s <= m.start() < e for s, e in taken):
                    edits.append(Edit(m.start(), m.end(), "/", "escaped"))
        if not edits:
            return None
        edits.sort(key=lambda e: e.start)
        return View(text, edits)

    def _base64(self, text: str) -> Iterable[Edit]:
        for m in _RUN.finditer(text):
            raw = m.group(0)
            packed = _WRAP.sub("", raw) if "\n" in raw else raw
            if len(packed) < self.min_run:
                continue
            try:
                data = base64.b64decode(packed + "=" * (-len(packed) % 4), validate=True)
                decoded = data.decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            if not decoded or len(_UNPRINTABLE.findall(decoded)) > (1 - self.printable_share) * len(decoded):
                continue  # an image, a hash, a compressed blob: not text
            decoded = decoded.replace("\\/", "/")
            # One line in the view, then as many newlines as the encoded run spans: line numbers after
            # it stay those of the original.
            flat = decoded.replace("\r", " ").replace("\n", " ")
            yield Edit(m.start(), m.end(), flat + "\n" * raw.count("\n"), "base64")
