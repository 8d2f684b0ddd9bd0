"""Glob matching with IAM's ArnLike semantics, so detection and the exported SCP agree.

ArnLike compares the six colon-separated parts of an ARN one by one; in each part `*` matches any
run of characters (including `/`, so one `*` spans several path segments) and `?` one character.
Matching is case-sensitive. Patterns that are not ARNs (GCP e-mails, OIDC subjects, resource names)
use the same `*`/`?` rules on the whole string.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    for ch in pattern:
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL)


def glob_match(pattern: str, value: str) -> bool:
    """`*` and `?` wildcards over the whole string, case-sensitive; no character classes."""
    return _compile(pattern).fullmatch(value) is not None


def arn_like(pattern: str, value: str) -> bool:
    """IAM ArnLike: both ARNs are compared part by part (6 parts; the resource part keeps its colons)."""
    if pattern.startswith("arn:") and value.startswith("arn:"):
        p_parts = pattern.split(":", 5)
        v_parts = value.split(":", 5)
        if len(p_parts) != 6 or len(v_parts) != 6:
            return False
        return all(glob_match(p, v) for p, v in zip(p_parts, v_parts, strict=True))
    return glob_match(pattern, value)


def any_match(patterns: tuple[str, ...], value: str, *, arn: bool = False) -> bool:
    test = arn_like if arn else glob_match
    return any(test(p, value) for p in patterns)


def globs_meet(a: str, b: str) -> bool:
    """Whether some string matches both `*`/`?` globs."""
    return _meet(a, b)


def _meet(a: str, b: str) -> bool:
    """Whether some string matches both `*`/`?` globs (an empty intersection means they never meet)."""

    @cache
    def at(i: int, j: int) -> bool:
        if i == len(a):
            return all(c == "*" for c in b[j:])
        if j == len(b):
            return all(c == "*" for c in a[i:])
        if a[i] == "*":  # matches nothing, or swallows one more character of the other side
            return at(i + 1, j) or at(i, j + 1)
        if b[j] == "*":
            return at(i, j + 1) or at(i + 1, j)
        return (a[i] == b[j] or "?" in (a[i], b[j])) and at(i + 1, j + 1)

    return at(0, 0)


def arns_meet(a: str, b: str) -> bool:
    """Whether one ARN can be ArnLike both patterns (part by part, like `arn_like`)."""
    a_parts, b_parts = a.split(":", 5), b.split(":", 5)
    if len(a_parts) != 6 or len(b_parts) != 6:
        return _meet(a, b)
    return all(_meet(x, y) for x, y in zip(a_parts, b_parts, strict=True))
