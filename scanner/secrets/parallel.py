"""Blobs scanned on several cores, in the order they came, for trees big enough to repay it.

A work tree of many megabytes is CPU-bound Python (the detectors) after cheap reads. Items are taken
in rounds of up to `round_bytes`; a round of at least `min_bytes` is shared out by size between this
process and `jobs - 1` children forked for that round, which inherit the scanner, the collector and
the round's items (nothing is pickled on the way there) and read, decode and scan their own share;
back through a pipe come only the hits, the blobs without their text and the counts of what was read.
Plain `os.fork` rather than a process pool: the pool's imports, manager thread, queues and worker
bootstrap cost about 60 ms of CPU a run, as much as scanning two megabytes. Small scans — a commit's
worth — never fork: start-up is their budget.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from scanner.secrets.model import Blob, Hit
from scanner.secrets.scan import BlobResult, LocatedHit, SecretScanner
from scanner.secrets.sources import Collector, FileRef, SourceStats

Item = Blob | FileRef  # a text to scan, or a work-tree file to read and scan
Found = tuple[str, Hit, int, tuple[int, ...]]  # spec id, hit, line, part lines: what crosses back
# One item's outcome: each blob it yielded (without its text) with its hits and inline-allowed count,
# and what reading it counted (None for a blob already in memory).
Scanned = tuple[list[tuple[Blob, list[Found], int]], SourceStats | None]


class WorkerError(RuntimeError):
    pass


def jobs_for(requested: int) -> int:
    """0 means one process a core."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def _size(item: Item) -> int:
    if isinstance(item, Blob):
        return len(item.text)
    try:
        return os.stat(item.fs_path).st_size
    except OSError:
        return 0  # the reader counts it as unreadable


def _scan_items(scanner: SecretScanner, collector: Collector | None, items: list[Item]) -> list[Scanned]:
    out: list[Scanned] = []
    for item in items:
        done: list[tuple[Blob, list[Found], int]] = []
        stats = None
        if collector is not None and not isinstance(item, Blob):
            stats = collector.stats = SourceStats()  # this item's counts, added up in item order
        for blob in _read(item, collector):
            r = scanner.scan(blob)
            done.append((replace(blob, text=""), [(lh.spec.id, lh.hit, lh.line, lh.part_lines) for lh in r.hits],
                         r.inline_allowed))
        out.append((done, stats))
    return out


def _shares(sizes: list[int], n: int) -> list[list[int]]:
    """Item indices in `n` shares of about equal bytes (largest first to the lightest share)."""
    loads = [0] * n
    shares: list[list[int]] = [[] for _ in range(n)]
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        k = loads.index(min(loads))
        shares[k].append(i)
        loads[k] += sizes[i] or 1
    return [sorted(s) for s in shares if s]


def _child(fd: int, scanner: SecretScanner, collector: Collector | None, items: list[Item]) -> NoReturn:
    """The forked worker: scan, send, leave without running the parent's exit handlers."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it, not each child
        try:
            payload = pickle.dumps(("ok", _scan_items(scanner, collector, items)))
            code = 0
        except Exception as e:  # sent to the parent, which raises it there
            payload = pickle.dumps(("error", f"{type(e).__name__}: {e}"))
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


def _round(scanner: SecretScanner, collector: Collector | None, items: list[Item], sizes: list[int],
           jobs: int) -> list[Scanned]:
    shares = _shares(sizes, jobs)
    children: list[tuple[int, int | None, list[int]]] = []  # pid, read end, share
    try:
        for share in shares[1:]:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                _child(w, scanner, collector, [items[i] for i in share])
            os.close(w)
            children.append((pid, r, share))
        results: list[Scanned | None] = [None] * len(items)
        own = shares[0]
        for i, scanned in zip(own, _scan_items(scanner, collector, [items[i] for i in own]), strict=True):
            results[i] = scanned
        for n, (pid, fd, share) in enumerate(children):
            assert fd is not None
            children[n] = (pid, None, share)  # _read_all closes it
            data = _read_all(fd)
            try:
                status, body = pickle.loads(data)
            except Exception:
                raise WorkerError("a secret-scanning worker died before it reported (out of memory?)") from None
            if status != "ok":
                raise WorkerError(f"a secret-scanning worker failed: {body}")
            for i, scanned in zip(share, body, strict=True):
                results[i] = scanned
    finally:
        for pid, open_fd, _ in children:
            if open_fd is not None:
                os.close(open_fd)
            os.waitpid(pid, 0)
    return [s for s in results if s is not None]


def scan_all(scanner: SecretScanner, items: Iterable[Item], jobs: int, min_bytes: int, round_bytes: int,
             collector: Collector | None = None) -> Iterator[tuple[Blob, BlobResult]]:
    """(blob, result) for every blob, in order. Rounds of at least `min_bytes` (files by their size on
    disk: nothing is read before the choice) are shared between `jobs` processes."""
    if jobs <= 1 or not hasattr(os, "fork"):
        yield from _serial(scanner, items, collector)
        return
    specs = {s.id: s for s in scanner.specs}
    parent_stats = collector.stats if collector is not None else None
    batch: list[Item] = []
    sizes: list[int] = []
    total = 0

    def flush() -> Iterator[tuple[Blob, BlobResult]]:
        if total < min_bytes:  # a small scan, or the small tail of a big one: no fork
            yield from _serial(scanner, batch, collector)
            return
        done = _round(scanner, collector, batch, sizes, jobs)
        if collector is not None and parent_stats is not None:
            collector.stats = parent_stats
        for scanned, stats in done:
            if stats is not None and parent_stats is not None:
                parent_stats.add(stats)
            for blob, hits, allowed in scanned:
                located = tuple(LocatedHit(specs[sid], h, line, parts) for sid, h, line, parts in hits)
                yield blob, BlobResult(located, allowed)

    for item in items:
        batch.append(item)
        sizes.append(_size(item))
        total += sizes[-1]
        if total >= round_bytes:  # memory stays bounded: a round's blobs, no more
            yield from flush()
            batch, sizes, total = [], [], 0
    yield from flush()


def _read(item: Item, collector: Collector | None) -> Iterable[Blob]:
    if isinstance(item, Blob):
        return (item,)
    if collector is None:
        raise TypeError("a file to read needs the collector that reads it")
    return collector.file(Path(item.fs_path), item.key)


def _serial(scanner: SecretScanner, items: Iterable[Item],
            collector: Collector | None) -> Iterator[tuple[Blob, BlobResult]]:
    for item in items:
        for blob in _read(item, collector):
            yield blob, scanner.scan(blob)
