"""The git plumbing the scanner needs, through `git` itself (no library): work-tree listing, index
blobs, and the added lines of a commit range. Paths come back repository-relative, as bytes decoded
with surrogateescape so that odd file names survive the round trip."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class GitError(Exception):
    """git is missing, the directory is not a repository, or a revision does not resolve."""


def _git(args: Sequence[str], cwd: Path | str, input_: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd, input=input_,
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(msg[-1] if msg else f"git {args[0]} failed ({proc.returncode})")
    return proc.stdout


def _path(raw: bytes) -> str:
    return os.fsdecode(raw)


def repo_root(cwd: Path | str = ".") -> Path | None:
    """The top of the work tree holding `cwd`, or None outside any repository (or without git)."""
    try:
        out = _git(["rev-parse", "--show-toplevel"], cwd)
    except GitError:
        return None
    return Path(_path(out.rstrip(b"\n")))


def list_worktree(root: Path, under: str = "") -> list[str]:
    """Tracked and untracked-but-not-ignored files (honours .gitignore), relative to `root`."""
    args = ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name"]
    if under:
        args += ["--", under]
    out = _git(args, root)
    return sorted({_path(p) for p in out.split(b"\0") if p})


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One entry of the index: mode, blob and path."""

    path: str
    sha: str
    mode: str


def staged_entries(root: Path) -> list[IndexEntry]:
    """Index entries of files added, copied, modified, renamed or retyped in the index relative to HEAD."""
    # T: a symlink (or submodule) that became a regular file has new content of its own.
    changed = _git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMRT", "--no-ext-diff"], root)
    wanted = {_path(p) for p in changed.split(b"\0") if p}
    if not wanted:
        return []
    out: list[IndexEntry] = []
    for rec in _git(["ls-files", "-s", "-z"], root).split(b"\0"):
        if not rec:
            continue
        meta, _, raw_path = rec.partition(b"\t")
        mode, sha, stage = meta.decode().split(" ")
        path = _path(raw_path)
        if path in wanted and stage == "0":
            out.append(IndexEntry(path, sha, mode))
    return out


def blob_sizes(root: Path, shas: Sequence[str]) -> dict[str, int]:
    out = _git(["cat-file", "--batch-check"], root, ("\n".join(shas) + "\n").encode())
    sizes: dict[str, int] = {}
    for line in out.decode().splitlines():
        parts = line.split(" ")
        if len(parts) == 3 and parts[1] == "blob":
            sizes[parts[0]] = int(parts[2])
    return sizes


def read_blobs(root: Path, shas: Sequence[str]) -> dict[str, bytes]:
    """Contents of the given blobs in one `git cat-file --batch` call."""
    if not shas:
        return {}
    out = _git(["cat-file", "--batch"], root, ("\n".join(shas) + "\n").encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    while pos < len(out):
        nl = out.index(b"\n", pos)
        header = out[pos:nl].decode().split(" ")
        pos = nl + 1
        if len(header) != 3:  # "<sha> missing"
            continue
        size = int(header[2])
        blobs[header[0]] = out[pos:pos + size]
        pos += size + 1  # the content is followed by a newline
    return blobs


def verify_commit(root: Path, rev: str) -> str:
    if rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    try:
        out = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], root)
    except GitError:
        # --quiet leaves stderr empty: say which revision did not resolve rather than "rev-parse failed".
        raise GitError(f"unknown revision {rev!r} (no commit of that name in this repository)") from None
    return out.decode().strip()


def ignored_under(root: Path, under: str) -> bool:
    """Whether .gitignore (or info/exclude) hides files under `under` from list_worktree."""
    out = _git(["ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory", "--", under], root)
    return bool(out.strip(b"\0"))


def read_revision_files(root: Path, names: Sequence[str]) -> list[bytes | None]:
    """Contents of `<commit>:<path>` objects, in order; None for one that is missing or not a blob."""
    if not names:
        return []
    out = _git(["cat-file", "--batch"], root, ("\n".join(names) + "\n").encode("utf-8", "surrogateescape"))
    found: list[bytes | None] = []
    pos = 0
    while pos < len(out) and len(found) < len(names):
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split(b" ")
        pos = nl + 1
        if len(header) == 3 and header[1] in (b"blob", b"tree", b"commit", b"tag") and header[2].isdigit():
            size = int(header[2])
            found.append(out[pos:pos + size] if header[1] == b"blob" else None)
            pos += size + 1
        else:  # "<name> missing" / "ambiguous": no content follows
            found.append(None)
    return found + [None] * (len(names) - len(found))


@dataclass
class AddedRun:
    """Lines added back to back: `start` is the new-file number of the first. `above` is the unchanged
    new-file line just above the run when the diff shows it (a next-line marker may sit there)."""

    start: int
    lines: list[str] = field(default_factory=list)
    above: str = ""

    @property
    def end(self) -> int:
        """The new-file number just past the run."""
        return self.start + len(self.lines)


@dataclass
class AddedFile:
    """What one commit added to one file, as runs of contiguous added lines (one per hunk gap)."""

    commit: str
    commit_time: str
    path: str
    runs: list[AddedRun] = field(default_factory=list)
    size: int = 0
    binary: bool = False


_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_CQUOTE = re.compile(rb'\\([0-7]{3}|.)')
_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b", b"f": b"\f",
            b"r": b"\r", b"v": b"\v"}


def _unquote(raw: bytes) -> bytes:
    """git's C-style quoting of unusual path names ("a\\tb", octal escapes)."""
    if not (raw.startswith(b'"') and raw.endswith(b'"')):
        return raw
    body = raw[1:-1]
    return _CQUOTE.sub(lambda m: bytes([int(m.group(1), 8)]) if len(m.group(1)) == 3
                       else _ESCAPES.get(m.group(1), m.group(1)), body)


def added_lines(root: Path, since: str, max_bytes: int) -> Iterator[AddedFile]:
    """Per commit in since..HEAD (oldest first) and per file, the lines it added.

    Merge commits add nothing of their own here (their parents' commits carry the lines).
    Files whose added text exceeds `max_bytes` stop collecting lines and are marked by `size`.
    One line of context (-U1) shows the unchanged line above each change; context lines are never
    scanned, and they end a run: lines on either side of them were added in different places.
    """
    base = verify_commit(root, since)
    args = ["git", "-c", "core.quotepath=off", "log", "-p", "-U1", "--no-color", "--no-ext-diff", "--no-textconv",
            "--reverse", "--format=%x00%H %cI", f"{base}..HEAD"]
    try:
        proc = subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    assert proc.stdout is not None
    commit = ctime = ""
    cur: AddedFile | None = None
    lineno = 0
    above: tuple[int, bytes] = (0, b"")  # the last context line seen: new-file number, text
    in_header = False
    for raw in proc.stdout:
        line = raw.rstrip(b"\n")
        if line.startswith(b"\0"):
            if cur is not None:
                yield cur
                cur = None
            commit, _, t = line[1:].decode().partition(" ")
            ctime = t
            continue
        if line.startswith(b"diff --git "):
            if cur is not None:
                yield cur
            cur = None
            in_header = True
            continue
        if in_header:
            if line.startswith(b"+++ "):
                # git ends the name with a TAB when it holds a space (for GNU patch); a real TAB is quoted.
                target = line[4:].removesuffix(b"\t")
                if target != b"/dev/null":
                    p = _unquote(target)
                    cur = AddedFile(commit, ctime, _path(p[2:] if p.startswith(b"b/") else p))
                in_header = False
            elif line.startswith(b"Binary files ") and line.endswith(b" differ"):
                m = re.search(rb" and (.+) differ$", line)
                p = _unquote(m.group(1)) if m else b""
                if p != b"/dev/null":
                    yield AddedFile(commit, ctime, _path(p[2:] if p.startswith(b"b/") else p), binary=True)
                in_header = False
            continue
        if cur is None:
            continue
        if line.startswith(b"@@"):
            m = _HUNK.match(line)
            lineno = int(m.group(1)) if m else 0
            above = (0, b"")
        elif line.startswith(b"+"):
            cur.size += len(line)
            if cur.size <= max_bytes:
                text = line[1:].decode("utf-8", "replace")
                runs = cur.runs
                if runs and runs[-1].end == lineno:
                    runs[-1].lines.append(text)
                else:
                    lead = above[1].decode("utf-8", "replace") if above[0] == lineno - 1 and lineno > 1 else ""
                    runs.append(AddedRun(lineno, [text], lead))
            lineno += 1
        elif line.startswith(b" "):
            above = (lineno, line[1:])
            lineno += 1
    if cur is not None:
        yield cur
    err = proc.stderr.read() if proc.stderr else b""
    if proc.wait() != 0:
        msg = err.decode("utf-8", "replace").strip().splitlines()
        raise GitError(msg[-1] if msg else "git log failed")
