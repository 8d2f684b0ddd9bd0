"""The per-user cache directory (`$AUDITWARDEN_CACHE`, else `$XDG_CACHE_HOME/auditwarden`, else
`~/.cache/auditwarden`): what a run derives from installed files (never from the network) and may keep
for the next. Any failure to read or write it just means computing again."""

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


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a concurrent run reads the old file or the new one, never a
    part; a failure (a read-only home) leaves nothing behind and is not an error."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
