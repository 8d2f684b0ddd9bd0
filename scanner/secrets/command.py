"""`auditwarden secrets`: find leaked credentials in the work tree, the index or recent history.

Exit codes: 0 nothing found, 1 found something, 2 usage error or nothing could be read.
Imports stay light (no boto3, no cloud client): this runs as a pre-commit hook.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

import click
import orjson

if TYPE_CHECKING:
    from scanner.model.finding import Finding

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


class SecretsError(click.ClickException):
    exit_code = EXIT_ERROR


@click.command("secrets")
@click.argument("paths", nargs=-1)
@click.option("--staged", is_flag=True, help="scan what is staged (the index blobs), not the work tree")
@click.option("--since", "since", metavar="REV", help="scan the lines added by the commits in REV..HEAD")
@click.option("--baseline", "baseline_path", metavar="FILE", help="findings listed in FILE are accepted")
@click.option("--update", is_flag=True, help="with --baseline: accept every current finding into FILE")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "sarif"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write findings here instead of stdout")
@click.option("--config", "config_path", metavar="FILE",
              help="settings (default: .auditwarden-secrets.yaml, else auditwarden.yaml `secrets:`)")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
              help="worker processes for big scans (0: one a core; default: settings `jobs`, else 0)")
def secrets(paths: Sequence[str], staged: bool, since: str | None, baseline_path: str | None, update: bool,
            fmt: str, output: str | None, config_path: str | None, log_format: str, jobs: int | None) -> None:
    """Find leaked credentials. No PATH and no --staged/--since: the whole work tree (honouring .gitignore)."""
    from scanner.secrets.run import Request, RunError, run

    try:
        outcome = run(Request(tuple(paths), staged, since, baseline_path, update, config_path, jobs))
    except RunError as e:
        raise SecretsError(str(e)) from None
    if outcome.baseline_written:
        click.echo(f"baseline {outcome.baseline_written}: {outcome.baseline_entries} accepted finding(s)", err=True)
    specs = outcome.specs
    try:
        _write(outcome.findings, fmt, output, {s.id: {"title": s.title, "description": s.description or s.title,
                                                      "remediation": s.remediation} for s in specs})
    except OSError as e:
        raise SecretsError(f"cannot write {output}: {e}") from None
    summary = outcome.summary
    if log_format == "json":
        sys.stderr.write(orjson.dumps({"level": "info", "msg": "run summary", "command": "secrets",
                                       **summary.to_dict()}).decode() + "\n")
    else:
        sys.stderr.write(summary.human() + "\n")
    stats = summary.sources
    if stats.inputs and stats.files == 0 and len(stats.unreadable) == stats.inputs:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FOUND if outcome.findings else EXIT_OK)


def _open(output: str | None, binary: bool) -> IO[Any]:
    if output:
        return open(output, "wb" if binary else "w", encoding=None if binary else "utf-8")
    return sys.stdout.buffer if binary else sys.stdout


def _write(findings: list[Finding], fmt: str, output: str | None, rule_help: dict[str, dict[str, str]]) -> None:
    out = _open(output, binary=fmt != "text")
    try:
        if fmt == "jsonl":
            from scanner.sinks.jsonl import write_jsonl

            write_jsonl(findings, out)
        elif fmt == "sarif":
            from scanner.sinks.sarif import write_sarif

            write_sarif(findings, out, rule_help)
        else:
            from scanner.secrets.report import write_text

            write_text(findings, out)
    finally:
        if output:
            out.close()
        else:
            out.flush()
