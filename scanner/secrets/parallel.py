"""Blobs scanned on several cores, in the order they came, for trees big enough to repay it.

A work tree of many megabytes is CPU-bound Python (the detectors) after cheap reads: the collector
reads files in this process and hands batches of blobs to worker processes forked with the scanner
already built (nothing to load again, nothing pickled but texts and the few hits). Small scans —
`--staged`, a commit's worth — never start a worker: start-up is their budget.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from scanner.secrets.model import Blob, Hit
from scanner.secrets.scan import BlobResult, LocatedHit, SecretScanner

if TYPE_CHECKING:
    from concurrent.futures import Future

# The worker's scanner: set once in each worker process by the pool's initializer (a fork of the
# parent, so the object is inherited, not sent).
_worker: SecretScanner | None = None

Found = tuple[str, Hit, int, tuple[int, ...]]  # spec id, hit, line, part lines: what crosses back


def _init(scanner: SecretScanner) -> None:
    global _worker
    _worker = scanner


def _scan_batch(batch: list[Blob]) -> list[tuple[list[Found], int]]:
    assert _worker is not None
    out = []
    for blob in batch:
        r = _worker.scan(blob)
        out.append(([(lh.spec.id, lh.hit, lh.line, lh.part_lines) for lh in r.hits], r.inline_allowed))
    return out


def jobs_for(requested: int) -> int:
    """0 means one worker a core."""
    return requested if requested > 0 else (os.cpu_count() or 1)


def scan_all(scanner: SecretScanner, blobs: Iterable[Blob], jobs: int, min_bytes: int,
             batch_bytes: int) -> Iterator[tuple[Blob, BlobResult]]:
    """(blob, result) for every blob, in order. Parallel once `min_bytes` of text have been seen."""
    source = iter(blobs)
    head: list[Blob] = []
    size = 0
    if jobs > 1:
        for blob in source:
            head.append(blob)
            size += len(blob.text)
            if size >= min_bytes:
                break
    if jobs <= 1 or size < min_bytes:
        for blob in _chain(head, source):
            yield blob, scanner.scan(blob)
        return
    # Imported here: a small scan never pays for them (about 25 ms of start-up).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    specs = {s.id: s for s in scanner.specs}
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(scanner,)) as pool:
        pending: deque[tuple[list[Blob], Future[list[tuple[list[Found], int]]]]] = deque()

        def drain(limit: int) -> Iterator[tuple[Blob, BlobResult]]:
            while len(pending) > limit:
                batch, fut = pending.popleft()
                for blob, (hits, allowed) in zip(batch, fut.result(), strict=True):
                    located = tuple(LocatedHit(specs[sid], h, line, parts) for sid, h, line, parts in hits)
                    yield blob, BlobResult(located, allowed)

        batch: list[Blob] = []
        size = 0
        for blob in _chain(head, source):
            batch.append(blob)
            size += len(blob.text)
            if size >= batch_bytes:
                pending.append((batch, pool.submit(_scan_batch, batch)))
                batch, size = [], 0
                yield from drain(2 * jobs)  # a bounded number of batches in flight: memory stays bounded
        if batch:
            pending.append((batch, pool.submit(_scan_batch, batch)))
        yield from drain(0)


def _chain(head: list[Blob], rest: Iterator[Blob]) -> Iterator[Blob]:
    yield from head
    yield from rest
