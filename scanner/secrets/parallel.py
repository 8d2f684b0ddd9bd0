"""Blobs scanned on several cores, in the order they came, for trees big enough to repay it.

A work tree of many megabytes is CPU-bound Python (the detectors) after cheap reads. Worker processes
are forked with the scanner and the collector already built (nothing to load again) and are handed
file *names*: each reads, decodes and scans its own files, so no text crosses a pipe — shipping the
texts cost about as much CPU as reading them. Back come the few hits, the blobs without their text and
the worker's share of the source counters. Blobs that exist only in memory (`--staged`, `--since`)
are sent as they are. Small scans — a commit's worth — never start a worker: start-up is their
budget, and so is the import of the process pool.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.secrets.model import Blob, Hit
from scanner.secrets.scan import BlobResult, LocatedHit, SecretScanner
from scanner.secrets.sources import Collector, FileRef, SourceStats

if TYPE_CHECKING:
    from concurrent.futures import Future

Item = Blob | FileRef  # a text to scan, or a work-tree file to read and scan
Found = tuple[str, Hit, int, tuple[int, ...]]  # spec id, hit, line, part lines: what crosses back
Batch = tuple[list[tuple[Blob, list[Found], int]], SourceStats]

# The worker's scanner and collector: set once in each worker process by the pool's initializer (a
# fork of the parent, so the objects are inherited, not sent).
_worker: tuple[SecretScanner, Collector | None] | None = None


def _init(scanner: SecretScanner, collector: Collector | None) -> None:
    global _worker
    _worker = (scanner, collector)


def _read(item: Item, collector: Collector | None) -> Iterable[Blob]:
    if isinstance(item, Blob):
        return (item,)
    if collector is None:
        raise TypeError("a file to read needs the collector that reads it")
    return collector.file(Path(item.fs_path), item.key)


def _scan_batch(batch: list[Item]) -> Batch:
    assert _worker is not None
    scanner, collector = _worker
    stats = SourceStats()
    if collector is not None:
        collector.stats = stats  # this worker's counts for this batch, added up by the parent
    out = []
    for item in batch:
        for blob in _read(item, collector):
            r = scanner.scan(blob)
            hits = [(lh.spec.id, lh.hit, lh.line, lh.part_lines) for lh in r.hits]
            out.append((replace(blob, text=""), hits, r.inline_allowed))
    return out, stats


def _size(item: Item) -> int:
    if isinstance(item, Blob):
        return len(item.text)
    try:
        return os.stat(item.fs_path).st_size
    except OSError:
        return 0  # the reader counts it as unreadable


def jobs_for(requested: int) -> int:
    """0 means one worker a core."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def scan_all(scanner: SecretScanner, items: Iterable[Item], jobs: int, min_bytes: int, batch_bytes: int,
             collector: Collector | None = None) -> Iterator[tuple[Blob, BlobResult]]:
    """(blob, result) for every blob, in order. On workers once the items add up to `min_bytes`
    (files by their size on disk: nothing is read before the choice)."""
    source = ((item, _size(item)) for item in items) if jobs > 1 else ((item, 0) for item in items)
    head: list[tuple[Item, int]] = []
    size = 0
    if jobs > 1:
        for sized in source:
            head.append(sized)
            size += sized[1]
            if size >= min_bytes:
                break
    if jobs <= 1 or size < min_bytes:
        for item, _ in _chain(head, source):
            for blob in _read(item, collector):
                yield blob, scanner.scan(blob)
        return
    # Imported here: a small scan never pays for them (about 25 ms of start-up).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    specs = {s.id: s for s in scanner.specs}
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(scanner, collector)) as pool:
        pending: deque[Future[Batch]] = deque()

        def drain(limit: int) -> Iterator[tuple[Blob, BlobResult]]:
            while len(pending) > limit:
                done, stats = pending.popleft().result()
                if collector is not None:
                    collector.stats.add(stats)
                for blob, hits, allowed in done:
                    located = tuple(LocatedHit(specs[sid], h, line, parts) for sid, h, line, parts in hits)
                    yield blob, BlobResult(located, allowed)

        batch: list[Item] = []
        size = 0
        for item, item_size in _chain(head, source):
            batch.append(item)
            size += item_size
            if size >= batch_bytes:
                pending.append(pool.submit(_scan_batch, batch))
                batch, size = [], 0
                yield from drain(2 * jobs)  # a bounded number of batches in flight: memory stays bounded
        if batch:
            pending.append(pool.submit(_scan_batch, batch))
        yield from drain(0)


def _chain(head: list[tuple[Item, int]], rest: Iterator[tuple[Item, int]]) -> Iterator[tuple[Item, int]]:
    yield from head
    yield from rest
