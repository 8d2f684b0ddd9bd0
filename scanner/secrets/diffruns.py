"""Runs of added lines (`--since`) as texts to scan, with the armour of partly added private keys.

Each run of contiguous added lines is scanned on its own: across a hunk gap lies text that was not
added there, so a key ID must not pair with a secret, a next-line marker must not silence a line, and
a BEGIN line must not frame a body from another hunk.

A private key can still be added in part: rotated in place, a key of the same kind keeps its BEGIN
and END lines and the diff adds only body lines; or a hunk edits a few lines inside an existing
block. Such a run gets the BEGIN/END lines of its block back from the new file, and the private-key
detector then judges the added lines alone against its usual bar (body length, entropy, base64
only). So a rotated key is reported, while a hunk that adds only armour, a header or a short
fragment is not: the key material it sits in was committed before the range and is not what this
range added. The block must be key-shaped in the new file as a whole; markers that happen to
bracket a README's prose do not make a key of a base64 line added between them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.secrets import pem
from scanner.secrets.gitio import AddedRun
from scanner.secrets.lines import LineIndex

# A line that may be part of a PEM body: 40+ base64 characters, quoted/escaped/concatenated at most.
_BODY_LINE = re.compile(r"""[\s"'+,]*[A-Za-z0-9+/]{40,}={0,2}(?:\\+n)?[\s"'+,]*$""")
_ARMOUR = "PRIVATE KEY-----"


def wants_armour(lines: Sequence[str]) -> bool:
    """Whether a run may hold part of a private-key block: an armour or body-like line outside the
    complete blocks it holds. Only files with such a run are read back from git."""
    body_like = any(len(ln) >= 40 and _BODY_LINE.match(ln) for ln in lines)
    if not body_like and not any(_ARMOUR in ln for ln in lines):
        return False
    rest = pem.BLOCK.sub("", "\n".join(lines))
    return any(_ARMOUR in ln or (len(ln) >= 40 and _BODY_LINE.match(ln)) for ln in rest.split("\n"))


def armoured(run: AddedRun, new_file: str) -> tuple[list[str], list[int]]:
    """The run's lines, with the BEGIN line of a key block that starts above it and the END line of one
    that ends below it put back; and the new-file number of each line (armour takes the number of the
    nearest added line, where a finding should point)."""
    first, last = run.start, run.end - 1
    head: str | None = None
    tail: str | None = None
    index = LineIndex(new_file)
    for m in pem.BLOCK.finditer(new_file):
        b0, b1 = index.line_of(m.start()), index.line_of(m.end() - 1)
        if b1 < first:
            continue
        if b0 > last:
            break
        if not (b0 < first or b1 > last):
            continue  # whole inside the run: the detector sees it as it is
        if not pem.is_base64(pem.clean_body(m.group("body"))):
            continue  # not key-shaped as the file has it (a template, prose between two markers)
        kind = m.group("kind")
        if b0 < first:
            head = f"-----BEGIN {kind}-----"
        if b1 > last:
            tail = f"-----END {kind}-----"
    lines = list(run.lines)
    numbers = list(range(first, last + 1))
    if head is not None:
        lines.insert(0, head)
        numbers.insert(0, first)
    if tail is not None:
        lines.append(tail)
        numbers.append(last)
    return lines, numbers
