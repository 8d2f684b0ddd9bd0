"""What a report is built from, read the same way by `auditwarden report` and the nightly job: inventory
snapshots, usage joined from audit logs, and anomaly scores over the same window. No CLI here: problems
are raised (InputError, MissingExtraError) or handed to `warn`, and each caller words them its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from scanner.inventory.model import IamSnapshot
from scanner.report.usage import Usage


class MissingExtraError(Exception):
    """A live reader whose optional dependency is not installed."""


def snapshots(aws_authz: Sequence[str], cred_report: str | None, aws: bool, gcp_iam: Sequence[str],
              gcp_projects: Sequence[str]) -> list[IamSnapshot]:
    from dataclasses import replace

    from scanner.inventory.aws_authz import load_authz_file, load_credential_report
    from scanner.inventory.gcp import load_gcp_dir

    snaps = [load_authz_file(p) for p in aws_authz]
    if cred_report:
        if snaps:
            snaps[0] = load_credential_report(snaps[0], cred_report)
        else:
            snaps.append(load_credential_report(IamSnapshot("aws", "", cred_report), cred_report))
    if aws:
        import boto3

        from scanner.inventory.aws_api import collect

        snaps.append(collect(boto3.client("iam")))  # AWS_ENDPOINT_URL / profiles / regions: boto3's own rules
    if gcp_iam:
        given = list(gcp_projects)
        for i, d in enumerate(gcp_iam):
            snaps.append(load_gcp_dir(d, given[i] if i < len(given) and len(gcp_iam) == len(given) else ""))
    elif gcp_projects:
        from scanner.inventory.gcp import collect_gcp

        iam, projects = _gcp_clients()
        snaps.extend(collect_gcp(p, iam, projects) for p in gcp_projects)
    return [s if s.account or not s.principals else replace(s, account="unknown") for s in snaps]


def _gcp_clients() -> tuple[Any, Any]:
    try:
        from google.cloud import iam_admin_v1, resourcemanager_v3
    except ImportError:
        raise MissingExtraError("--gcp-project needs the [gcp] extra (pip install 'auditwarden[gcp]')") from None
    return iam_admin_v1.IAMClient(), resourcemanager_v3.ProjectsClient()


def usage_from_logs(logs: Sequence[str], days: int, until: datetime, config: Any,
                    warn: Callable[[str], None]) -> Usage | None:
    """The logs' usage over the `days` up to `until` (None without logs); InputError when one cannot be read."""
    if not logs:
        return None
    from scanner.ops.stats import RunStats
    from scanner.pipeline import iter_events
    from scanner.report.usage import aggregate, window
    from scanner.sources.paths import InputReader, expand

    reader = InputReader(config.limits)
    stats = RunStats()
    since, until = window(until, days)

    def events() -> Any:
        for name in expand(list(logs)):
            yield from iter_events(reader, name, stats, lambda r: None)

    rows = aggregate(events(), since=since, until=until)
    if stats.rejected:
        warn(f"logs: {sum(stats.rejected.values())} record(s) could not be read: "
             + ", ".join(f"{k}={v}" for k, v in sorted(stats.rejected.items())))
    return Usage(days, rows, ", ".join(logs))


def anomaly_findings(config: Any, state: Any, logs: Sequence[str], days: int, until: datetime) -> Any:
    """scanner.anomaly's scored principal-hours over the report's log window (None: no baselines)."""
    from scanner.anomaly.batch import score_window
    from scanner.anomaly.settings import anomaly_settings
    from scanner.ops.stats import RunStats
    from scanner.report.usage import window
    from scanner.sources.paths import InputReader

    since, end = window(until, days)
    return score_window(InputReader(config.limits), state, anomaly_settings(config), logs, since.timestamp(),
                        end.timestamp(), RunStats())
