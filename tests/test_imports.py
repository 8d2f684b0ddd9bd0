"""The event path and the pre-commit hook stay light: heavy libraries belong to the nightly job."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "pyod", "jinja2", "google.cloud", "numpy", "policy_sentry")  # report-only libraries too


def _modules(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.splitlines()[-1].split())


def _loaded_after(code: str) -> set[str]:
    """Modules `code` imported. Minus what a bare interpreter already holds: namespace-package .pth
    files (functions-framework's) put empty `google` / `google.cloud` modules there at start-up."""
    return _modules(code) - _modules("pass")


def test_scanning_imports_no_heavy_library() -> None:
    mods = _loaded_after(
        "from scanner.cli import cli\nfrom scanner.runner import run_scan\nfrom scanner.config import Config\n"
        "run_scan(['tests/fixtures/audit/formats'], Config())"
    )
    assert not {m for m in mods if m.split('.')[0] in HEAVY or m.startswith("google.cloud")}


def test_scanning_with_baselines_imports_no_heavy_library(tmp_path) -> None:
    """`scan --state` runs the novelty detector over every event: still no pandas, pyod or numpy."""
    state = tmp_path / "state.sqlite"
    mods = _loaded_after(
        "from scanner.runner import run_scan\nfrom scanner.detectors import load_settings\n"
        f"o = run_scan(['tests/fixtures/audit'], load_settings(None), state_path={str(state)!r})\n"
        "assert o.stats.events >= 100 and not any(k.startswith(\"detector_failed\") for k in o.stats.rejected), o.stats"
    )
    assert "scanner.anomaly.detector" in mods
    assert not {m for m in mods if m.split('.')[0] in HEAVY or m.startswith("google.cloud")}


def test_the_secrets_hook_does_not_even_import_boto3() -> None:
    mods = _loaded_after("from scanner.cli import cli\nimport scanner.secrets.command")
    assert "boto3" not in mods and "botocore" not in mods


def test_a_lambda_invocation_imports_nothing_heavy() -> None:
    mods = _loaded_after(
        "import json, io, contextlib\nfrom scanner.handlers.aws_lambda import handler\n"
        "ev = json.load(open('tests/fixtures/audit/formats/aws_3_eventbridge_aws_api_call_via_cloudtrail.json'))\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    handler(ev, None)\n")
    assert "scanner.live.runtime" in mods
    assert not {m for m in mods if m.split(".")[0] in HEAVY or m.startswith("google.cloud")}
    assert "boto3" not in mods  # the no-configuration path needs no AWS SDK


def test_the_secrets_hook_loads_no_other_command_and_no_process_pool(tmp_path) -> None:
    """`auditwarden secrets` on a small tree: start-up is the pre-commit hook's budget, so the other
    commands' packages and the worker pool (only for big trees) stay unimported."""
    (tmp_path / "app.py").write_text("print('hello')\n")
    mods = _loaded_after(
        "import os, sys\nfrom scanner.cli import main\n"
        f"os.chdir({str(tmp_path)!r})\nsys.argv = ['auditwarden', 'secrets', '.', '--config', os.devnull]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n")
    assert "scanner.secrets.scan" in mods
    for pkg in ("scanner.anomaly", "scanner.report", "scanner.respond", "scanner.provenance", "concurrent.futures",
                "multiprocessing"):
        assert not {m for m in mods if m == pkg or m.startswith(pkg + ".")}, pkg


def test_help_lists_every_command_with_its_summary() -> None:
    from click.testing import CliRunner

    from scanner.cli import PACKAGE_COMMANDS, cli

    out = CliRunner().invoke(cli, ["--help"]).output
    for name in (*PACKAGE_COMMANDS, "scan", "rules", "normalize"):
        assert f"\n  {name} " in out, name
    assert "Find leaked credentials." in out
