"""Path globs in the gitignore spirit: `tests/fixtures/` (anchored, everything under it), `*.lock`
(a file name at any depth), `**/testdata/**`. Paths are repository-relative with forward slashes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def translate(pattern: str) -> re.Pattern[str]:
    p = pattern.strip()
    anchored = "/" in p.rstrip("/")  # as in .gitignore: a slash before the end anchors at the root
    p = p.removeprefix("./").strip("/")
    out: list[str] = []
    i = 0
    while i < len(p):
        if p.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif p.startswith("**", i):
            out.append(".*")
            i += 2
        elif p[i] == "*":
            out.append("[^/]*")
            i += 1
        elif p[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(p[i]))
            i += 1
    return re.compile(("^" if anchored else "^(?:.*/)?") + "".join(out) + "(?:/.*)?$")


def matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A predicate true for paths any pattern covers (always false for no patterns)."""
    compiled = [translate(p) for p in patterns if p.strip()]
    if not compiled:
        return lambda _path: False
    big = re.compile("|".join(f"(?:{c.pattern})" for c in compiled))
    return lambda path: big.match(path.replace("\\", "/").removeprefix("./")) is not None
