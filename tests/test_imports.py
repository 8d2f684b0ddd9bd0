"""The event path and the pre-commit hook stay light: heavy libraries belong to the nightly job."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "pyod", "jinja2", "google.cloud", "numpy")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_scanning_imports_no_heavy_library() -> None:
    mods = _loaded_after(
        "from scanner.cli import cli\nfrom scanner.runner import run_scan\nfrom scanner.config import Config\n"
        "run_scan(['tests/fixtures/audit/formats'], Config())"
    )
    assert not {m for m in mods if m.split('.')[0] in HEAVY or m.startswith("google.cloud")}


def test_the_secrets_hook_does_not_even_import_boto3() -> None:
    mods = _loaded_after("from scanner.cli import cli\nimport scanner.secrets.command")
    assert "boto3" not in mods and "botocore" not in mods
