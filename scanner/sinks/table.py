"""A human table. Every value passes through terminal.safe: attacker text must not drive the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

from scanner.model.finding import Finding
from scanner.ops.terminal import safe_line

_COLS = (("SEVERITY", 8), ("RULE", 40), ("PRINCIPAL", 48), ("ACTION", 36), ("RESOURCE", 40), ("TIME", 34))


def _cell(text: str, width: int) -> str:
    t = safe_line(text)
    return (t[: width - 1] + "…") if len(t) > width else t.ljust(width)


def write_table(findings: Iterable[Finding], out: IO[str]) -> None:
    out.write(" ".join(_cell(name, w) for name, w in _COLS).rstrip() + "\n")
    for f in findings:
        count = f" ×{f.count}" if f.count > 1 else ""
        where = f"{f.location.path}:{f.location.line}" if f.location else f.resource
        vals = (f.severity.upper(), f.rule, f.principal, f.action, where, f.time + count)
        out.write(" ".join(_cell(v, w) for v, (_, w) in zip(vals, _COLS, strict=True)).rstrip() + "\n")
