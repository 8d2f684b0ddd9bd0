"""`auditwarden` commands: parse arguments, call the core, print. Nothing else lives here.

Exit codes (DESIGN.md §4): 0 ran and found nothing at/above --fail-on; 1 found something;
2 usage error or no input could be read at all. No traceback reaches a user.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any

import click
import orjson

from scanner.model.finding import SEVERITIES, SEVERITY_RANK, Finding
from scanner.yamlio import YamlError

if TYPE_CHECKING:
    from scanner.ops.stats import RunStats

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class UserError(click.ClickException):
    exit_code = EXIT_ERROR


def _log(log_format: str, summary: RunStats, command: str) -> None:
    if log_format == "json":
        line = {"level": "info", "msg": "run summary", "command": command, **summary.to_dict()}
        sys.stderr.write(orjson.dumps(line).decode() + "\n")
    else:
        sys.stderr.write(summary.human() + "\n")


# Commands that live with their package, as "module:attribute": imported when run (or listed by
# --help), not at every start — `auditwarden secrets` is a pre-commit hook and start-up is its budget.
PACKAGE_COMMANDS: dict[str, str] = {
    "secrets": "scanner.secrets.command:secrets",
    "policy": "scanner.provenance.command:policy",
    "report": "scanner.report.command:report",
    "baseline": "scanner.anomaly.command:baseline",
    "anomaly": "scanner.anomaly.command:anomaly",
    "respond": "scanner.respond.command:respond",
    "revoke": "scanner.respond.command:revoke",
    "undo": "scanner.respond.command:undo",
}


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *PACKAGE_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in PACKAGE_COMMANDS and name not in self.commands:
            module, _, attr = PACKAGE_COMMANDS[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), name)
        return super().get_command(ctx, name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="auditwarden")
def cli() -> None:
    """auditwarden: who deployed, who holds too much, which keys leaked."""


# --- scan ------------------------------------------------------------------------------------
@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--config", "config_path", help="auditwarden.yaml (default: $AUDITWARDEN_CONFIG, ./auditwarden.yaml)")
@click.option("--state", "state_path", help="SQLite state file (OIDC session links, baselines); default in-memory")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table", "sarif"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="write findings here")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--dead-letter", type=click.Path(dir_okay=False, writable=True), help="JSON Lines of rejected input")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--progress/--no-progress", default=None, help="progress bar (default: on a TTY)")
@click.option("--respond", "respond_", is_flag=True, help="run findings through the response gate (acts only "
              "with response.mode: enforce; cap and audit trail in --state, else the default state file)")
@click.option("--no-learn", is_flag=True, help="compare with baselines in --state but do not update them")
def scan(paths: Sequence[str], config_path: str | None, state_path: str | None, fmt: str, output: str | None,
         fail_on: str, jobs: int, dead_letter: str | None, log_format: str, progress: bool | None,
         respond_: bool, no_learn: bool) -> None:
    """Scan audit logs (files, directories, s3://bucket/prefix; any supported format, .gz too)."""
    from scanner.runner import run_scan

    config = _load_config(config_path)
    if no_learn:
        from scanner.anomaly.settings import without_learning

        config = without_learning(config)
    with ExitStack() as stack:
        dl = stack.enter_context(open(dead_letter, "wb")) if dead_letter else None
        try:
            outcome = run_scan(list(paths), config, state_path=state_path, jobs=jobs, dead_letter=dl,
                               progress=_want_progress(progress), respond=respond_)
        except ValueError as e:  # InputError, YamlError and bad arguments all carry a readable message
            raise UserError(str(e)) from None
        _write_findings(outcome.findings, fmt, output)
        _log(log_format, outcome.stats, "scan")
    if outcome.stats.inputs and outcome.stats.inputs == outcome.stats.inputs_unreadable:
        sys.exit(EXIT_ERROR)
    sys.exit(_exit_for(outcome.findings, fail_on))


def _want_progress(flag: bool | None) -> bool:
    return sys.stderr.isatty() if flag is None else flag


def _load_config(path: str | None) -> Any:
    from scanner.detectors import load_settings

    try:
        return load_settings(path)
    except YamlError as e:
        raise UserError(f"configuration: {e}") from None


def _exit_for(findings: Sequence[Finding], fail_on: str) -> int:
    floor = SEVERITY_RANK[fail_on]
    return EXIT_FOUND if any(SEVERITY_RANK[f.severity] >= floor for f in findings) else EXIT_OK


def _open_out(output: str | None, binary: bool) -> tuple[IO[Any], Callable[[], None]]:
    if output:
        fh = open(output, "wb" if binary else "w", encoding=None if binary else "utf-8")  # noqa: SIM115
        return fh, fh.close
    return (sys.stdout.buffer if binary else sys.stdout), sys.stdout.flush


def _write_findings(findings: Sequence[Finding], fmt: str, output: str | None) -> None:
    from scanner.sinks.jsonl import write_jsonl
    from scanner.sinks.sarif import write_sarif
    from scanner.sinks.table import write_table

    out, close = _open_out(output, binary=fmt != "table")
    try:
        if fmt == "jsonl":
            write_jsonl(findings, out)
        elif fmt == "sarif":
            write_sarif(findings, out)
        else:
            write_table(findings, out)
    finally:
        close()


# --- normalize -------------------------------------------------------------------------------
@cli.command("normalize")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "ocsf"]), default="jsonl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True))
@click.option("--dead-letter", type=click.Path(dir_okay=False, writable=True))
@click.option("--config", "config_path")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def normalize_cmd(paths: Sequence[str], fmt: str, output: str | None, dead_letter: str | None,
                  config_path: str | None, log_format: str) -> None:
    """Write one normalized event per line (our Event, or OCSF 1.8.0 API Activity)."""
    from scanner.normalize.ocsf import to_ocsf
    from scanner.ops.deadletter import DeadLetterFile
    from scanner.ops.stats import RunStats
    from scanner.pipeline import iter_events
    from scanner.sources.paths import InputError, InputReader, expand

    config = _load_config(config_path)
    stats = RunStats()
    t0 = time.perf_counter()
    reader = InputReader(config.limits)
    out, close = _open_out(output, binary=True)
    with ExitStack() as stack:
        dl = DeadLetterFile(stack.enter_context(open(dead_letter, "wb"))) if dead_letter else None
        try:
            for name in expand(list(paths)):
                for ev in iter_events(reader, name, stats, dl.write if dl else (lambda r: None)):
                    rec = to_ocsf(ev) if fmt == "ocsf" else ev.to_dict()
                    out.write(orjson.dumps(rec, option=orjson.OPT_NON_STR_KEYS) + b"\n")
        except InputError as e:
            raise UserError(str(e)) from None
        finally:
            close()
    stats.seconds = time.perf_counter() - t0
    _log(log_format, stats, "normalize")
    if stats.inputs and stats.inputs == stats.inputs_unreadable:
        sys.exit(EXIT_ERROR)


# --- rules -----------------------------------------------------------------------------------
@cli.group()
def rules() -> None:
    """List, validate and test the rule pack."""


def _load_rules(paths: Sequence[str]) -> Any:
    from pathlib import Path

    from scanner.detect.rules import load_rules

    try:
        return load_rules([Path(p) for p in paths] if paths else None)
    except YamlError as e:
        raise UserError(str(e)) from None


def _load_bursts(paths: Sequence[str]) -> Any:
    """The burst detector's rules (rules/bursts) belong to the bundled pack; not to folders given."""
    from scanner.bursts.rules import load_burst_rules

    return [] if paths else load_burst_rules()


@rules.command("list")
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True)
def rules_list(paths: Sequence[str], fmt: str) -> None:
    """The pack by cloud and category: id, severity, title (jsonl: one object per rule)."""
    loaded = sorted([*_load_rules(paths), *_load_bursts(paths)], key=lambda r: (r.cloud, r.category, r.id))
    group = ("", "")
    for r in loaded:
        if fmt == "jsonl":
            click.echo(orjson.dumps({"id": r.id, "severity": r.severity, "category": r.category,
                                     "cloud": r.cloud, "title": r.title, "source": r.source}).decode())
            continue
        if (r.cloud, r.category) != group:
            group = (r.cloud, r.category)
            n = sum(1 for x in loaded if (x.cloud, x.category) == group)
            click.echo(f"{'' if r is loaded[0] else chr(10)}{r.cloud} / {r.category} ({n})")
        click.echo(f"  {r.id:55} {r.severity:8} {r.title}")
    if fmt == "text":
        clouds = sorted({r.cloud for r in loaded})
        per_cloud = ", ".join(f"{c}: {sum(1 for r in loaded if r.cloud == c)}" for c in clouds)
        click.echo(f"\n{len(loaded)} rules ({per_cloud}), {sum(len(r.tests) for r in loaded)} test cases")


@rules.command("validate")
@click.argument("paths", nargs=-1)
def rules_validate(paths: Sequence[str]) -> None:
    """Load and check every rule file; name the file and line of the first problem."""
    from scanner.bursts.ruletest import missing_cases as burst_missing
    from scanner.detect.ruletest import missing_cases

    rules_, bursts = _load_rules(paths), _load_bursts(paths)
    loaded = [*rules_, *bursts]
    problems = [f"{r.source}: rule {r.id} lacks {m}" for r in rules_ for m in missing_cases(r)]
    problems += [f"{r.source}: rule {r.id} lacks {m}" for r in bursts for m in burst_missing(r)]
    for p in problems:
        click.echo(p, err=True)
    click.echo(f"{len(loaded)} rule(s) valid" if not problems else f"{len(problems)} problem(s)")
    sys.exit(EXIT_ERROR if problems else EXIT_OK)


@rules.command("test")
@click.argument("paths", nargs=-1)
@click.option("--verbose", "-v", is_flag=True)
def rules_test(paths: Sequence[str], verbose: bool) -> None:
    """Run every rule's embedded must-fire and must-not-fire cases."""
    from scanner.bursts.ruletest import missing_cases as burst_missing
    from scanner.bursts.ruletest import run_burst_tests
    from scanner.detect.ruletest import missing_cases, run_rule_tests

    bursts = _load_bursts(paths)
    loaded = _load_rules(paths)
    results: list[Any] = [*run_rule_tests(loaded), *run_burst_tests(bursts)]
    failed = [r for r in results if not r.passed]
    for r in results:
        if verbose or not r.passed:
            state = "ok  " if r.passed else "FAIL"
            why = r.error or f"expected {int(r.case.expect)} finding(s), got {int(r.fired)}"
            click.echo(f"{state} {r.rule.id} [{r.case.name}] {'' if r.passed else why} ({r.where})")
    lacking = [f"{r.source}: {r.id} lacks {m}" for r in loaded for m in missing_cases(r)]
    lacking += [f"{r.source}: {r.id} lacks {m}" for r in bursts for m in burst_missing(r)]
    for line in lacking:
        click.echo(f"FAIL {line}")
    click.echo(f"{len(results) - len(failed)}/{len(results)} cases passed across {len(loaded) + len(bursts)} rules")
    sys.exit(EXIT_FOUND if failed or lacking else EXIT_OK)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: never a traceback, always a documented exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="auditwarden", standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as e:  # last line of defence: a bug is reported, not dumped
        if os.environ.get("AUDITWARDEN_DEBUG"):
            raise
        sys.stderr.write(f"auditwarden: internal error: {type(e).__name__}: {e}\n"
                         "set AUDITWARDEN_DEBUG=1 for a traceback\n")
        sys.exit(EXIT_ERROR)
