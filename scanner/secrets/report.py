"""Human output: one line per finding (redacted, control characters stripped) and the run summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from scanner.model.finding import SEVERITIES, Finding
from scanner.ops.terminal import safe_line
from scanner.secrets.sources import SourceStats, shown


def write_text(findings: Iterable[Finding], out: IO[str]) -> None:
    for f in findings:
        ev = f.evidence
        where = f"{f.location.path}:{f.location.line}" if f.location else ""
        who = []
        if f.account:
            who.append(f"account {f.account}")
        if f.principal:
            who.append(f.principal)
        if ev.get("access_key_id"):
            who.append(f"key {ev['access_key_id']}")
        elif ev.get("private_key_id"):
            who.append(f"key {ev['private_key_id']}")
        if ev.get("commit"):
            who.append(f"commit {str(ev['commit'])[:12]}")
        detail = f" ({', '.join(who)})" if who else ""
        out.write(safe_line(f"{where}: {f.severity.upper()} {f.rule}: {f.title}{detail} "
                            f"[{ev.get('redacted', '')} sha256:{ev.get('sha256', '')}]") + "\n")


@dataclass
class Summary:
    """What a run read, skipped and found, for the closing log line."""

    mode: str
    sources: SourceStats
    findings: list[Finding] = field(default_factory=list)
    inline_allowed: int = 0
    baselined: int = 0
    seconds: float = 0.0
    max_file_bytes: int = 0
    max_scan_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        s = self.sources
        return {
            "mode": self.mode, "files": s.files, "bytes": s.bytes, "commits": s.commits,
            "skipped_binary": s.binary, "skipped_too_large": len(s.too_large),
            "too_large": [shown(p) for p in s.too_large[:20]],
            "max_file_bytes": self.max_file_bytes, "max_scan_bytes": self.max_scan_bytes,
            "in_parts": [shown(p) for p in s.in_parts[:20]],
            "excluded": s.excluded, "symlinks": s.symlinks,
            "unreadable": [shown(u) for u in s.unreadable[:20]],
            "ignored": [shown(p) for p in s.ignored[:20]],
            "inline_allowed": self.inline_allowed, "baselined": self.baselined,
            "findings": {sev: sum(1 for f in self.findings if f.severity == sev) for sev in reversed(SEVERITIES)},
            "seconds": round(self.seconds, 3),
        }

    def human(self) -> str:
        s = self.sources
        head = f"auditwarden secrets ({self.mode}): {s.files} file(s), {s.bytes / 1e6:.2f} MB"
        if s.commits:
            head += f" from {s.commits} commit(s)"
        lines = [head + f", {len(self.findings)} finding(s), {self.seconds:.2f}s"]
        skipped = []
        if s.binary:
            skipped.append(f"{s.binary} binary")
        if s.too_large:
            names = ", ".join(safe_line(n) for n in s.too_large[:5]) + (" …" if len(s.too_large) > 5 else "")
            skipped.append(f"{len(s.too_large)} over {self.max_scan_bytes or self.max_file_bytes} bytes ({names})")
        if s.excluded:
            skipped.append(f"{s.excluded} excluded by configuration")
        if s.symlinks:
            skipped.append(f"{s.symlinks} symlink(s)")
        if skipped:
            lines.append("  skipped: " + ", ".join(skipped))
        if s.in_parts:
            names = ", ".join(safe_line(shown(p)) for p in s.in_parts[:5]) + (" …" if len(s.in_parts) > 5 else "")
            lines.append(f"  read in parts (over {self.max_file_bytes} bytes): {names}")
        for u in s.unreadable[:10]:
            lines.append(f"  unreadable: {safe_line(u)}")
        if s.ignored:
            names = ", ".join(safe_line(shown(p)) for p in s.ignored[:5]) + (" …" if len(s.ignored) > 5 else "")
            lines.append(f"  not scanned, every file under it ignored by .gitignore: {names}")
        if self.inline_allowed or self.baselined:
            lines.append(f"  suppressed: {self.inline_allowed} inline, {self.baselined} by baseline")
        return "\n".join(lines)
