"""`auditwarden report`: IAM inventory (+ N days of logs) → report.html, report.md, report.json in --out.

Exit codes: 0 written, nothing at/above --fail-on; 1 written with findings at/above it; 2 nothing
usable was read (every input unreadable) or a usage error. Every input problem is named (file and
what was wrong) on stderr and in the report, and the rest is still reported.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from scanner.model.finding import SEVERITIES, SEVERITY_RANK

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _err(msg: str) -> None:
    from scanner.ops.terminal import safe_line

    sys.stderr.write(safe_line(msg) + "\n")


def _snapshots(aws_authz: Sequence[str], cred_report: str | None, aws: bool, gcp_iam: Sequence[str],
               gcp_projects: Sequence[str]) -> list[Any]:
    from scanner.report.inputs import MissingExtraError, snapshots

    try:
        return snapshots(aws_authz, cred_report, aws, gcp_iam, gcp_projects)
    except MissingExtraError as e:
        raise click.UsageError(str(e)) from None


def _usage(logs: Sequence[str], usage_file: str | None, days: int, until: datetime, config: Any) -> Any:
    from scanner.report.inputs import usage_from_logs
    from scanner.report.usage import UsageError, read_usage
    from scanner.sources.paths import InputError

    try:
        if usage_file:
            return read_usage(usage_file, days)
        return usage_from_logs(logs, days, until, config, _err)
    except (UsageError, InputError) as e:
        raise click.UsageError(str(e)) from None


def _anomalies_from(state_path: str, config: Any, logs: Sequence[str], days: int, until: datetime) -> Any:
    import sqlite3

    from scanner.anomaly.store import StateFormatError
    from scanner.report.inputs import anomaly_findings
    from scanner.sources.paths import InputError
    from scanner.state.sqlite import SqliteStore

    if not logs:
        raise click.UsageError("--state scores the --logs for anomalies: give --logs too")
    try:
        store = SqliteStore(state_path)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    try:
        found = anomaly_findings(config, store, logs, days, until)
    except (StateFormatError, sqlite3.DatabaseError, InputError) as e:
        raise click.UsageError(f"--state {state_path}: {e}") from None
    except ImportError as e:
        raise click.UsageError(f"--state: anomaly scoring needs the [anomaly] extra ({e.name} missing)") from None
    finally:
        store.close()
    if found is None:
        _err(f"{state_path}: no baselines (auditwarden baseline LOGS --state {state_path}); anomalies not scored")
    return found


@click.command("report")
@click.option("--aws-authz", multiple=True, type=click.Path(dir_okay=False),
              help="`aws iam get-account-authorization-details` output (repeatable)")
@click.option("--aws-credential-report", "cred_report", type=click.Path(dir_okay=False),
              help="IAM credential report CSV (keys, MFA, console, root)")
@click.option("--aws", is_flag=True, help="read IAM live with boto3 (honours AWS_ENDPOINT_URL, profiles)")
@click.option("--gcp-iam", multiple=True, type=click.Path(file_okay=False),
              help="folder of gcloud IAM JSON exports (repeatable)")
@click.option("--gcp-project", multiple=True, help="read a project live (IAM Admin + Resource Manager APIs)")
@click.option("--logs", multiple=True, help="audit logs for usage (files, folders, s3://; repeatable)")
@click.option("--days", type=click.IntRange(1, 3650), help="days of logs to join (default: report.usage_days)")
@click.option("--usage", "usage_file", type=click.Path(dir_okay=False),
              help="usage rows from the --emit-sql query (CSV or JSON) instead of --logs")
@click.option("--emit-sql", type=click.Choice(["athena", "bigquery"]), help="print the usage query and exit")
@click.option("--table", default=None, help="--emit-sql: Athena table / BigQuery dataset")
@click.option("--previous", type=click.Path(dir_okay=False), help="last run's report.json: mark new and fixed")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, exists=True),
              help="state file with baselines (auditwarden baseline): the --logs' unusual hours get a section")
@click.option("--out", type=click.Path(file_okay=False), default="auditwarden-report", show_default=True)
@click.option("--config", "config_path", help="auditwarden.yaml (its report: section holds the thresholds)")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True)
@click.option("--as-of", "as_of", help="judge ages and the log window as of this RFC 3339 time (default: now)")
def report(aws_authz: Sequence[str], cred_report: str | None, aws: bool, gcp_iam: Sequence[str],
           gcp_project: Sequence[str], logs: Sequence[str], days: int | None, usage_file: str | None,
           emit_sql: str | None, table: str | None, previous: str | None, state_path: str | None, out: str,
           config_path: str | None, fail_on: str, as_of: str | None) -> None:
    """Least-privilege report: who can escalate, which keys are stale, what to remove."""
    from scanner.detectors import load_settings
    from scanner.report.settings import report_settings
    from scanner.timeutil import parse_time
    from scanner.yamlio import YamlError

    try:
        config = load_settings(config_path)
    except YamlError as e:
        raise click.UsageError(str(e)) from None
    settings = report_settings(config)
    window_days = days or settings.usage_days
    now = parse_time(as_of) if as_of else datetime.now(UTC)
    if now is None:
        raise click.UsageError(f"--as-of {as_of!r} is not an RFC 3339 time")
    if emit_sql:
        from scanner.report.sql import DIALECTS

        until = now if as_of else None  # a fixed window only when asked for; else the query's own clock
        try:
            sql = DIALECTS[emit_sql]
            click.echo(sql(table, days=window_days, until=until) if table else sql(days=window_days, until=until),
                       nl=False)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
        return
    if not (aws_authz or cred_report or aws or gcp_iam or gcp_project):
        raise click.UsageError("give an inventory: --aws-authz FILE, --aws, --gcp-iam DIR or --gcp-project P")
    prev = None
    if previous:
        try:
            prev = orjson.loads(Path(previous).read_bytes())
            if not isinstance(prev, dict):
                raise ValueError("not a report.json object")
        except (OSError, ValueError) as e:
            _err(f"{previous}: cannot use as --previous ({e}); new/fixed not marked")
            prev = None
    snaps = _snapshots(aws_authz, cred_report, aws, gcp_iam, gcp_project)
    for s in snaps:
        for p in s.problems:
            _err(f"{p.source}: {p.message}")
    if not any(s.principals for s in snaps):
        _err("report: nothing usable was read; no report written")
        sys.exit(EXIT_ERROR)
    usage = _usage(logs, usage_file, window_days, now, config)
    anomalies = _anomalies_from(state_path, config, logs, window_days, now) if state_path else None
    from scanner.report.actions import default_index
    from scanner.report.build import build_report
    from scanner.report.render import write_report

    index = default_index() if any(s.cloud == "aws" and s.principals for s in snaps) else None
    rep = build_report(snaps, settings=settings, trusted=config.trusted, now=now, index=index, usage=usage,
                       previous=prev, anomalies=anomalies)
    paths = write_report(rep, Path(out))
    sev = {s: sum(1 for f in rep.findings if f.severity == s) for s in ("critical", "high", "medium", "low")}
    click.echo(f"report: {len(rep.findings)} findings ({', '.join(f'{k} {v}' for k, v in sev.items())}) "
               f"over {sum(a['principals'] for a in rep.accounts)} identities")
    for kind, path in paths.items():
        click.echo(f"  {kind}: {path}")
    if rep.anomalies is not None:
        click.echo(f"  anomalies: {len(rep.anomalies)} unusual principal-hour(s)")
    worst = max((SEVERITY_RANK[f.severity] for f in rep.findings), default=-1)
    sys.exit(EXIT_FOUND if worst >= SEVERITY_RANK[fail_on] else EXIT_OK)
