"""Least privilege from usage: which permissions each identity exercised in N days of audit logs.

The aggregation is one relation — (cloud, account, principal, service, operation, permission, calls,
first_seen, last_seen) — whether it is computed here from log files (`--logs`), or by Athena /
BigQuery from the SQL `--emit-sql` writes and read back with `--usage FILE`. AWS rows carry the API
call (eventSource, eventName) and are mapped to IAM actions by the normalizer's own table, so the
report is identical on both paths; GCP rows carry `authorizationInfo[].permission` directly.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

import orjson

from scanner.model.event import Event
from scanner.normalize.aws_names import permissions_for
from scanner.timeutil import parse_time

COLUMNS = ("cloud", "account", "principal", "service", "operation", "permission", "calls", "first_seen", "last_seen",
           "user_agent", "session_name")

#: said in every report that uses logs: what they cannot show
LIMITS = (
    "CloudTrail logs management events by default; data events (S3 object reads/writes, Lambda invokes, "
    "DynamoDB items…) only appear when data-event selectors are on, so those permissions look unused.",
    "Some AWS actions are never logged by CloudTrail at all; an unused action may still be needed.",
    "GCP Data Access audit logs are off by default (except BigQuery): reads of data look unused unless enabled.",
    "Only the days of logs given are seen: monthly or yearly jobs and break-glass paths look unused.",
    "Denied calls are attempts, not needs: only successful calls count as use.",
)


class UsageError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class UsageRow:
    cloud: str
    account: str
    principal: str
    service: str
    operation: str
    permission: str
    calls: int
    first_seen: str
    last_seen: str
    user_agent: str = ""  # the greatest seen in the group (deterministic, as SQL MAX gives it)
    session_name: str = ""

    def permissions(self) -> tuple[str, ...]:
        if self.permission:
            return (self.permission,)
        return permissions_for(self.service, self.operation) if self.cloud == "aws" else ()


@dataclass
class Usage:
    """Rows of one window; what is derived from them is computed once, when first asked for."""

    days: int
    rows: list[UsageRow] = field(default_factory=list)
    source: str = ""

    @cached_property
    def by_principal(self) -> dict[tuple[str, str], dict[str, int]]:
        out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in self.rows:
            for perm in r.permissions():
                out[(r.cloud, r.principal)][perm] += r.calls
        return out

    @cached_property
    def seen_as(self) -> dict[tuple[str, str], tuple[tuple[str, ...], tuple[str, ...]]]:
        """(cloud, principal) → (user agents, session names) seen, a few of each, sorted."""
        agents: dict[tuple[str, str], set[str]] = defaultdict(set)
        sessions: dict[tuple[str, str], set[str]] = defaultdict(set)
        for r in self.rows:
            if r.user_agent:
                agents[(r.cloud, r.principal)].add(r.user_agent)
            if r.session_name:
                sessions[(r.cloud, r.principal)].add(r.session_name)
        keys = set(agents) | set(sessions)
        return {k: (tuple(sorted(agents[k])[:5]), tuple(sorted(sessions[k])[:5])) for k in keys}

    @cached_property
    def accounts(self) -> set[tuple[str, str]]:
        return {(r.cloud, r.account) for r in self.rows}


def aggregate(events: Iterable[Event], *, since: datetime, until: datetime) -> list[UsageRow]:
    """The embedded path: the same GROUP BY the emitted SQL does."""
    acc: dict[tuple[str, ...], list[Any]] = {}
    for ev in events:
        if not ev.success or not ev.principal:
            continue
        when = parse_time(ev.time)
        if when is None or not since <= when <= until:
            continue
        perms = ev.permissions if ev.cloud == "gcp" else ("",)
        for perm in perms:
            key = (ev.cloud, ev.account, ev.principal, ev.service, ev.operation if ev.cloud == "aws" else "", perm)
            slot = acc.get(key)
            if slot is None:
                acc[key] = [1, ev.time, ev.time, ev.user_agent, ev.session_name]
            else:
                slot[0] += 1
                slot[1] = min(slot[1], ev.time)
                slot[2] = max(slot[2], ev.time)
                slot[3] = max(slot[3], ev.user_agent)
                slot[4] = max(slot[4], ev.session_name)
    return [UsageRow(k[0], k[1], k[2], k[3], k[4], k[5], calls=v[0], first_seen=v[1], last_seen=v[2],
                     user_agent=v[3], session_name=v[4]) for k, v in sorted(acc.items())]


def _row(d: Mapping[str, Any], where: str) -> UsageRow:
    try:
        return UsageRow(str(d["cloud"]).lower(), str(d.get("account") or ""), str(d["principal"]),
                        str(d.get("service") or ""), str(d.get("operation") or ""), str(d.get("permission") or ""),
                        int(d.get("calls") or 0), str(d.get("first_seen") or ""), str(d.get("last_seen") or ""),
                        str(d.get("user_agent") or ""), str(d.get("session_name") or ""))
    except (KeyError, ValueError, TypeError) as e:
        raise UsageError(f"{where}: needs columns {', '.join(COLUMNS)} ({type(e).__name__}: {e})") from None


def read_usage(path: str, days: int) -> Usage:
    """A query result as CSV (header row) or JSON (array, or one object a line: BigQuery's export)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror or e}") from None
    text = data.decode("utf-8-sig", "replace")
    rows: list[UsageRow] = []
    stripped = text.lstrip()
    if stripped.startswith(("[", "{")):
        try:
            parsed = orjson.loads(stripped)
            items = parsed if isinstance(parsed, list) else [parsed]
        except orjson.JSONDecodeError:
            try:
                items = [orjson.loads(line) for line in stripped.splitlines() if line.strip()]
            except orjson.JSONDecodeError as e:
                raise UsageError(f"{path}: not JSON, JSON Lines or CSV ({e})") from None
        for i, item in enumerate(items, 1):
            if not isinstance(item, Mapping):
                raise UsageError(f"{path}: row {i} is not an object")
            rows.append(_row(item, f"{path}: row {i}"))
    else:
        reader = csv.DictReader(io.StringIO(text))
        for i, rec in enumerate(reader, 2):
            rows.append(_row(rec, f"{path}:{i}"))
    return Usage(days, rows, path)


def write_usage_csv(rows: Iterable[UsageRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r.cloud, r.account, r.principal, r.service, r.operation, r.permission, r.calls,
                    r.first_seen, r.last_seen, r.user_agent, r.session_name])
    return out.getvalue()


def window(until: datetime, days: int) -> tuple[datetime, datetime]:
    return until - timedelta(days=days), until
