"""What to scan: the work tree (honouring .gitignore), given paths, the index (--staged), or the lines
added since a revision (--since). Each yields Blobs and counts what it skipped and why."""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from scanner.secrets import diffruns, gitio
from scanner.secrets.model import Blob

BINARY_SNIFF = 8192
# UTF-16 without a BOM: in text that is mostly ASCII, every other byte is zero. At least this share of
# one byte position zero and at most the converse of the other (binaries have zeros at both).
UTF16_ZERO_SHARE = 0.9
_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})


@dataclass
class SourceStats:
    """What the sources read and skipped, and why."""

    files: int = 0
    bytes: int = 0
    commits: int = 0
    binary: int = 0
    too_large: list[str] = field(default_factory=list)  # over max_scan_bytes: not scanned at all
    in_parts: list[str] = field(default_factory=list)  # over max_file_bytes: scanned in windows
    excluded: int = 0
    unreadable: list[str] = field(default_factory=list)  # "path: reason"
    symlinks: int = 0
    ignored: list[str] = field(default_factory=list)  # directories asked for whose every file .gitignore hides

    @property
    def inputs(self) -> int:
        return self.files + self.binary + len(self.too_large) + len(self.unreadable)

    def add(self, other: SourceStats) -> None:
        """Count in what another reader (a worker process) saw."""
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, list):
                mine.extend(value)
            else:
                setattr(self, name, mine + value)


class FileRef(NamedTuple):
    """A work-tree file to read where it is scanned (a worker process reads its own files)."""

    fs_path: str
    key: str  # the path findings name


def sniff(head: bytes) -> str | None:
    """The codec of a file from its first bytes: UTF-8 unless a BOM or the zero-byte pattern says UTF-16;
    None for a binary (a NUL byte near the start that is not UTF-16's, as git decides)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and the byte order from it
    sample = head[:BINARY_SNIFF]
    if b"\0" not in sample:
        return "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    half = len(sample) // 2
    even, odd = sample[0:half * 2:2].count(0), sample[1:half * 2:2].count(0)
    if half and odd >= UTF16_ZERO_SHARE * half and even <= (1 - UTF16_ZERO_SHARE) * half:
        return "utf-16-le"
    if half and even >= UTF16_ZERO_SHARE * half and odd <= (1 - UTF16_ZERO_SHARE) * half:
        return "utf-16-be"
    return None


def decode(data: bytes) -> str | None:
    """Text of a file, or None for a binary."""
    codec = sniff(data[:BINARY_SNIFF])
    return None if codec is None else data.decode(codec, "replace")


def windows(fh: BinaryIO, size: int, overlap: int) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each window of about `size` bytes, cut after a newline, each
    starting with up to `overlap` characters of the one before (a key pair across a cut is still
    one text). The first window tells the codec; None for a binary."""
    head = fh.read(size)
    codec = sniff(head)
    if codec is None:
        return
    dec = codecs.getincrementaldecoder(codec)(errors="replace")
    carry, line, chunk = "", 1, head
    while True:
        nxt = fh.read(size) if chunk else b""
        final = not nxt
        text = carry + dec.decode(chunk, final=final)
        cut = len(text) if final else (text.rfind("\n") + 1 or len(text))
        body = text[:cut]
        if body:
            yield line, body
        if final:
            return
        keep = max(0, len(body) - overlap)
        start = body.rfind("\n", 0, keep) + 1 if keep else 0
        start = start or keep  # one long line: cut inside it
        line += body.count("\n", 0, start)
        carry, chunk = body[start:] + text[cut:], nxt


def _posix(p: str) -> str:
    return p.replace(os.sep, "/")


def shown(path: str) -> str:
    """A path fit for findings and JSON: bytes of a non-UTF-8 file name (kept as surrogates to open the
    file) become U+FFFD; orjson and strict UTF-8 writers refuse surrogates."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class Collector:
    def __init__(self, max_bytes: int, excluded: Callable[[str], bool], stats: SourceStats,
                 max_scan_bytes: int | None = None, overlap: int = 65536) -> None:
        self.max_bytes = max_bytes  # larger files are read in windows of this size …
        self.max_scan = max_scan_bytes if max_scan_bytes is not None else max(max_bytes, 256 * 1024 * 1024)
        self.overlap = overlap  # … each starting with this many characters of the one before
        self.excluded = excluded
        self.stats = stats
        self._roots: dict[Path, Path | None] = {}

    def _in_parts(self, fh: BinaryIO, size: int, key: str) -> Iterator[Blob]:
        """A text file over max_file_bytes, window by window (memory stays bounded)."""
        first = True
        for line, text in windows(fh, self.max_bytes, self.overlap):
            if first:
                self.stats.files += 1
                self.stats.bytes += size
                self.stats.in_parts.append(key)
                first = False
            yield Blob(path=shown(key), text=text, line_map=range(line, line + text.count("\n") + 1))
        if first:
            self.stats.binary += 1

    def _accept(self, data: bytes, path: str) -> Blob | None:
        text = decode(data)
        if text is None:
            self.stats.binary += 1
            return None
        self.stats.files += 1
        self.stats.bytes += len(data)
        return Blob(path=shown(path), text=text)

    def file(self, fs_path: Path, key: str) -> Iterator[Blob]:
        if self.excluded(key):
            self.stats.excluded += 1
            return
        try:
            if fs_path.is_symlink():
                self.stats.symlinks += 1  # the target is scanned where it lives, if it lives here
                return
            with open(fs_path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size > self.max_scan:
                    self.stats.too_large.append(key)
                    return
                if size > self.max_bytes:
                    yield from self._in_parts(fh, size, key)
                    return
                # What fstat says and one byte more: a read sized for the largest file allowed maps and
                # unmaps max_file_bytes of memory for every small file.
                data = fh.read(size + 1) if size else b""
                if len(data) > size or not size:  # grown since fstat, or a size the system does not know
                    data += fh.read(self.max_bytes + 1 - len(data))
        except FileNotFoundError:
            return  # tracked but deleted in the work tree: nothing to leak from here
        except IsADirectoryError:
            return  # a submodule
        except OSError as e:
            self.stats.unreadable.append(f"{key}: {e.strerror or e}")
            return
        b = self._accept(data, key)
        if b:
            yield b

    # --- the work tree and paths ------------------------------------------------------------
    def worktree(self, paths: Sequence[str], root: Path | None) -> Iterator[Blob]:
        for ref in self.worktree_files(paths, root):
            yield from self.file(Path(ref.fs_path), ref.key)

    def worktree_files(self, paths: Sequence[str], root: Path | None) -> Iterator[FileRef]:
        """The files `worktree` reads, unread: a worker process can read them where it scans them."""
        if not paths:
            if root is not None:
                for rel in self._repo_paths(root):
                    yield FileRef(str(root / rel), rel)
            else:
                yield from self._walk(Path("."))
            return
        for given in paths:
            p = Path(given)
            if p.is_file() or p.is_symlink():
                yield FileRef(given, self._key(p, given))
            elif p.is_dir():
                r = gitio.repo_root(p)
                if r is not None:
                    under = _posix(os.path.relpath(p.resolve(), r.resolve()))
                    listed = 0
                    for rel in self._repo_paths(r, "" if under == "." else under):
                        listed += 1
                        yield FileRef(str(r / rel), rel)
                    # Asked for by name and yet nothing scanned: say why rather than pass in silence.
                    if not listed and gitio.ignored_under(r, "." if under == "." else under):
                        self.stats.ignored.append(_posix(os.path.normpath(given)))
                else:
                    yield from self._walk(p)
            else:
                self.stats.unreadable.append(f"{given}: no such file or directory")

    def _repo_paths(self, root: Path, under: str = "", depth: int = 0) -> Iterator[str]:
        """Files git lists (honouring .gitignore), relative to `root`, including those of untracked
        repositories inside it (a clone in the tree): git lists such a repository as one "dir/" entry."""
        for rel in gitio.list_worktree(root, under):
            if not rel.endswith("/"):
                yield rel
            elif depth < 8:
                try:
                    inner = list(self._repo_paths(root / rel, "", depth + 1))
                except gitio.GitError as e:
                    self.stats.unreadable.append(f"{rel}: git: {e}")
                    continue
                yield from (rel + p for p in inner)

    def _key(self, p: Path, given: str) -> str:
        parent = p.parent.resolve()
        if parent not in self._roots:
            self._roots[parent] = gitio.repo_root(parent)
        r = self._roots[parent]
        if r is not None:
            try:
                return _posix(os.path.relpath(p.resolve(), r.resolve()))
            except ValueError:
                pass
        return _posix(os.path.normpath(given))

    def _walk(self, top: Path) -> Iterator[FileRef]:
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for name in sorted(filenames):
                fs = os.path.join(dirpath, name)
                yield FileRef(fs, _posix(os.path.normpath(fs)))

    # --- the index ---------------------------------------------------------------------------
    def staged(self, root: Path) -> Iterator[Blob]:
        entries = []
        for e in gitio.staged_entries(root):
            if e.mode in ("120000", "160000"):  # symlink, submodule: no content of their own
                self.stats.symlinks += e.mode == "120000"
                continue
            if self.excluded(e.path):
                self.stats.excluded += 1
                continue
            entries.append(e)
        if not entries:
            return
        sizes = gitio.blob_sizes(root, [e.sha for e in entries])
        small = []
        for e in entries:
            if sizes.get(e.sha, 0) > self.max_scan:
                self.stats.too_large.append(e.path)
            else:
                small.append(e)
        blobs = gitio.read_blobs(root, sorted({e.sha for e in small}))
        for e in small:
            data = blobs.get(e.sha)
            if data is None:
                self.stats.unreadable.append(f"{e.path}: blob {e.sha[:12]} missing from the object store")
                continue
            if len(data) > self.max_bytes:
                yield from self._in_parts(io.BytesIO(data), len(data), e.path)
                continue
            b = self._accept(data, e.path)
            if b:
                yield b

    # --- history -----------------------------------------------------------------------------
    def since(self, root: Path, rev: str) -> Iterator[Blob]:
        seen: set[str] = set()
        for af in gitio.added_lines(root, rev, self.max_scan):
            if af.commit not in seen:
                seen.add(af.commit)
                self.stats.commits += 1
            if self.excluded(af.path):
                self.stats.excluded += 1
                continue
            if af.binary:
                self.stats.binary += 1
                continue
            if af.size > self.max_scan:
                self.stats.too_large.append(f"{af.path}@{af.commit[:12]}")
                continue
            if not af.runs:
                continue
            self.stats.files += 1
            self.stats.bytes += af.size
            yield from self._runs(root, af)

    def _runs(self, root: Path, af: gitio.AddedFile) -> Iterator[Blob]:
        """One blob per run of added lines (see diffruns for why, and for the armour of partial keys)."""
        partial = [diffruns.wants_armour(r.lines) for r in af.runs]
        new_file: str | None = None
        if any(partial) and "\n" not in af.path:  # a newline would split cat-file's request line
            [data] = gitio.read_revision_files(root, [f"{af.commit}:{af.path}"])
            new_file = decode(data) if data is not None and len(data) <= self.max_scan else None
        path = shown(af.path)
        for run, part in zip(af.runs, partial, strict=True):
            numbers: Sequence[int]
            if part and new_file is not None:
                lines, numbers = diffruns.armoured(run, new_file)
            else:
                lines, numbers = run.lines, range(run.start, run.end)
            yield Blob(path=path, text="\n".join(lines), line_map=numbers, above=run.above, commit=af.commit,
                       commit_time=af.commit_time)
