"""A located hit becomes a Finding (DESIGN.md §4) that never carries the secret itself.

`id` is a hash of (path, rule, secret): the same leak keeps its id when lines move, and it is the
key of a baseline entry. Evidence holds a redaction (public prefix, a few characters each side), a
SHA-256 prefix to match the value against a vault, and what revocation needs.
"""

from __future__ import annotations

import hashlib

from scanner.model.finding import Finding, Location, fingerprint
from scanner.secrets.model import Blob
from scanner.secrets.scan import LocatedHit


def redact(secret: str, prefix: str = "") -> str:
    """`ghp_ab…yz`: the literal prefix, then at most 4 characters each side (none for short values)."""
    if not prefix or not secret.startswith(prefix):
        prefix = ""
    rest = secret[len(prefix):]
    if not rest:
        return prefix
    show = 0 if len(rest) < 12 else min(4, len(rest) // 8)
    return f"{prefix}{rest[:show]}…{rest[-show:] if show else ''}"


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def finding_id(path: str, rule: str, secret: str) -> str:
    return fingerprint("secrets", path, rule, secret)


def to_finding(lh: LocatedHit, blob: Blob, now: str) -> Finding:
    h, spec = lh.hit, lh.spec
    evidence: dict[str, object] = {
        "redacted": redact(h.secret, h.prefix),
        "sha256": secret_digest(h.secret)[:12],
        "length": len(h.secret),
        "family": spec.family,
    }
    evidence.update(h.evidence)
    if blob.commit:
        evidence["commit"] = blob.commit
    location = Location(blob.path, lh.line)
    if len(set(lh.part_lines)) > 1:
        evidence["parts"] = [{"part": p, "line": n} for p, n in zip(h.parts, lh.part_lines, strict=True)]
        lines = tuple(sorted(set(lh.part_lines)))
        location = Location(blob.path, lh.line, end_line=lines[-1], lines=lines)
    return Finding(
        id=finding_id(blob.path, h.rule, h.secret),
        rule=h.rule,
        title=h.title or spec.title,
        severity=h.severity or spec.severity,
        category="secret",
        cloud="git",
        account=h.account,
        principal=h.principal,
        action="",
        resource=h.resource,
        time=blob.commit_time or now,
        location=location,
        evidence=evidence,
        remediation=spec.remediation,
    )
