"""Folders of this repository as they were at a git revision (for benches that compare two trees)."""

from __future__ import annotations

import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def archive(rev: str, dest: Path, *paths: str) -> Path:
    """Extract `paths` (e.g. "scanner", "rules") of revision `rev` into `dest`; returns `dest`."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev, *paths],
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest
