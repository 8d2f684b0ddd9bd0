"""One secret scan, start to end: settings, detector pack, sources, findings, baseline.

The CLI parses arguments and prints; this does the work and raises RunError (a readable message,
exit code 2) for anything the user must fix.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scanner.model.finding import Finding
from scanner.secrets.findings import to_finding
from scanner.secrets.gitio import GitError, repo_root
from scanner.secrets.model import Blob, DetectorSpec
from scanner.secrets.pack import load_pack
from scanner.secrets.parallel import jobs_for, scan_all
from scanner.secrets.registry import ENGINES
from scanner.secrets.report import Summary
from scanner.secrets.scan import SecretScanner
from scanner.secrets.settings import load_settings
from scanner.secrets.sources import Collector, FileRef, SourceStats
from scanner.timeutil import rfc3339
from scanner.yamlio import YamlError

if TYPE_CHECKING:
    from scanner.secrets.baseline import Baseline


class RunError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Request:
    """What the command line asked for."""

    paths: Sequence[str] = ()
    staged: bool = False
    since: str | None = None
    baseline: str | None = None
    update: bool = False
    config: str | None = None
    jobs: int | None = None  # worker processes; None: the settings' (0 = one a core)


@dataclass
class Outcome:
    """Findings to write, the summary, and what a baseline update did."""

    findings: list[Finding]
    summary: Summary
    specs: list[DetectorSpec] = field(default_factory=list)
    baseline_written: str = ""
    baseline_entries: int = 0


def run(req: Request) -> Outcome:
    t0 = time.perf_counter()
    if req.staged and req.since:
        raise RunError("--staged and --since are different scans; pick one")
    if (req.staged or req.since) and req.paths:
        raise RunError("PATH arguments scan the work tree; they do not combine with --staged/--since")
    root = repo_root(".")
    if (req.staged or req.since) and root is None:
        flag = "--staged" if req.staged else "--since"
        raise RunError(f"{flag} needs a git work tree (none holds the current directory)")
    try:
        settings = load_settings(req.config, root)
        specs = settings.apply(load_pack())
    except YamlError as e:
        raise RunError(f"configuration: {e}") from None
    bpath = req.baseline or settings.baseline
    if req.update and not bpath:
        raise RunError("--update needs --baseline FILE")
    baseline: Baseline | None = None
    if bpath:
        from scanner.secrets.baseline import BaselineError, load_baseline

        try:
            baseline = load_baseline(bpath, missing_ok=req.update)
        except BaselineError as e:
            raise RunError(str(e)) from None

    scanner = SecretScanner(specs, dict(ENGINES), settings.disabled_rules, settings.decoder())
    stats = SourceStats()
    collector = Collector(settings.max_file_bytes, settings.excluder(), stats, settings.max_scan_bytes,
                          settings.window_overlap_bytes)
    mode = "staged" if req.staged else f"since {req.since}" if req.since else "paths" if req.paths else "work tree"
    summary = Summary(mode, stats, max_file_bytes=settings.max_file_bytes, max_scan_bytes=settings.max_scan_bytes)
    now = rfc3339(time.time())
    seen: set[str] = set()
    scanned: set[str] = set()
    found: list[Finding] = []
    try:
        items: Iterable[Blob | FileRef]
        if req.staged and root is not None:
            items = collector.staged(root)
        elif req.since and root is not None:
            items = collector.since(root, req.since)
        else:
            items = collector.worktree_files(list(req.paths), root)
        jobs = jobs_for(req.jobs if req.jobs is not None else settings.jobs)
        for blob, result in scan_all(scanner, items, jobs, settings.parallel_min_bytes, settings.round_bytes,
                                     collector):
            scanned.add(blob.path)
            summary.inline_allowed += result.inline_allowed
            for lh in result.hits:
                f = to_finding(lh, blob, now)
                if f.id not in seen:  # one secret in one file: one finding (the oldest commit for --since)
                    seen.add(f.id)
                    found.append(f)
    except GitError as e:
        raise RunError(f"git: {e}") from None

    found.sort(key=lambda f: (f.location.path, f.location.line) if f.location else ("", 0))
    out = Outcome(found, summary, specs)
    if baseline is not None and req.update:
        from scanner.secrets.baseline import updated, write_baseline

        nb = updated(baseline, found, scanned)
        try:
            write_baseline(nb)
        except OSError as e:
            raise RunError(f"cannot write baseline {nb.path}: {e}") from None
        out.findings, out.baseline_written, out.baseline_entries = [], nb.path, len(nb.entries)
    elif baseline is not None:
        kept = [f for f in found if not baseline.suppresses(f)]
        summary.baselined = len(found) - len(kept)
        out.findings = kept
    summary.findings = out.findings
    summary.seconds = time.perf_counter() - t0
    return out
