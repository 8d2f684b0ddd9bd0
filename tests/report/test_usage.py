"""Least privilege from usage: logs joined to the snapshot; the SQL path gives the same report as the embedded one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from scanner.config import Config
from scanner.inventory.aws_authz import load_authz_file
from scanner.inventory.gcp import load_gcp_dir
from scanner.ops.stats import RunStats
from scanner.pipeline import iter_events
from scanner.report.sql import DIALECTS
from scanner.report.usage import COLUMNS, Usage, UsageError, aggregate, read_usage, write_usage_csv
from scanner.sources.paths import InputReader, expand
from tests.conftest import REPO
from tests.report.helpers import NOW, report

EX = REPO / "examples" / "iam"


def _rows(days: int) -> list:
    reader = InputReader(Config().limits)
    stats = RunStats()
    events = (ev for name in expand([str(EX / "logs")]) for ev in iter_events(reader, name, stats, lambda r: None))
    return aggregate(events, since=NOW - timedelta(days=days), until=NOW)


def _snaps() -> list:
    return [load_authz_file(str(EX / "aws" / "authz.json")), load_gcp_dir(str(EX / "gcp"))]


def _ident(rep: object, suffix: str) -> dict:
    return next(i for i in rep.to_json()["identities"] if i["id"].endswith(suffix))  # type: ignore[attr-defined]


def test_granted_vs_used_and_the_suggested_replacement() -> None:
    rep = report(*_snaps(), usage=Usage(30, _rows(30)))
    ci = _ident(rep, "user/ci-deployer")["usage"]
    # UpdateFunctionCode20150331v2 → lambda:UpdateFunctionCode; the denied PassRole is an attempt, not a use
    assert ci["used_permissions"] == ["lambda:GetFunction", "lambda:UpdateFunctionCode"]
    assert ci["granted"] == 5 and ci["unused_share"] == 0.6
    fn = _ident(rep, "role/orders-lambda")["usage"]
    assert fn["suggestion"]["policy"]["Statement"][0]["Action"] == [
        "dynamodb:GetItem", "dynamodb:PutItem", "s3:GetObject", "sqs:SendMessage"]
    web = _ident(rep, "web@acme-prod.iam.gserviceaccount.com")["usage"]
    assert web["suggestion"] == {"kind": "gcp_predefined_role", "role": "roles/storage.objectViewer"}
    unused = {f.principal.rsplit("/", 1)[-1] for f in rep.findings if f.rule == "privilege.aws.unused"}
    assert "orders-lambda" in unused and "ci-deployer" not in unused  # 5 granted < unused_min_granted
    assert rep.usage_days == 30 and any("data events" in line for line in rep.limits)


def test_the_window_bounds_what_counts_as_used() -> None:
    rep = report(*_snaps(), usage=Usage(5, _rows(5)))
    assert _ident(rep, "user/ci-deployer")["usage"]["used_permissions"] == []  # last deploy was 2026-11-24


def test_result_file_gives_the_same_report_as_embedded(tmp_path: Path) -> None:
    rows = _rows(30)
    embedded = report(*_snaps(), usage=Usage(30, rows)).to_json()
    csv_file = tmp_path / "usage.csv"
    csv_file.write_text(write_usage_csv(rows))
    json_file = tmp_path / "usage.json"  # BigQuery's JSON export: one object a line
    json_file.write_text("\n".join(json.dumps(dict(zip(COLUMNS, [getattr(r, c) for c in COLUMNS], strict=True)))
                                   for r in rows))
    for f in (csv_file, json_file):
        assert report(*_snaps(), usage=read_usage(str(f), 30)).to_json() == embedded


def test_usage_file_problems_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "u.csv"
    bad.write_text("who,what\nx,y\n")
    with pytest.raises(UsageError, match=r"u\.csv:2: needs columns cloud, account, principal"):
        read_usage(str(bad), 30)


@pytest.mark.parametrize("dialect", ["athena", "bigquery"])
def test_emitted_sql_parses_and_returns_the_usage_columns(dialect: str) -> None:
    sqlglot = pytest.importorskip("sqlglot")
    sql = DIALECTS[dialect](days=45)
    [tree] = sqlglot.parse(sql, read=dialect)
    assert [e.alias_or_name for e in tree.expressions] == list(COLUMNS)
    assert "45" in sql


def test_sql_refuses_identifiers_that_would_inject() -> None:
    with pytest.raises(ValueError):
        DIALECTS["athena"]("logs; DROP TABLE x")


def _lower_keys(node: object) -> object:
    if isinstance(node, dict):
        return {k.lower(): _lower_keys(v) for k, v in node.items()}
    return node


def _query(con: object, sql: str) -> list[tuple]:
    cur = con.execute(sql)  # type: ignore[attr-defined]
    return [tuple(str(v) if v is not None else "" for v in row) for row in cur.fetchall()]


def _embedded(cloud: str) -> list[tuple]:
    return [tuple(str(getattr(r, c)) for c in COLUMNS) for r in _rows(30) if r.cloud == cloud]


def test_the_athena_query_computes_the_embedded_rows(tmp_path: Path) -> None:
    """The emitted Athena SQL, run (via sqlglot → DuckDB) over the example trail laid out as AWS's
    documented CloudTrail table, returns exactly the rows the embedded path aggregates."""
    sqlglot = pytest.importorskip("sqlglot")
    duckdb = pytest.importorskip("duckdb")
    records = json.loads((EX / "logs" / "cloudtrail-2026-11.json").read_text())["Records"]
    table = tmp_path / "cloudtrail.ndjson"
    table.write_text("\n".join(json.dumps(_lower_keys(r)) for r in records))
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE cloudtrail_logs AS SELECT * FROM read_json('{table}', columns={{
        'eventtime': 'VARCHAR', 'eventsource': 'VARCHAR', 'eventname': 'VARCHAR', 'errorcode': 'VARCHAR',
        'useragent': 'VARCHAR', 'recipientaccountid': 'VARCHAR',
        'useridentity': 'STRUCT(type VARCHAR, arn VARCHAR, accountid VARCHAR,
                                sessioncontext STRUCT(sessionissuer STRUCT(arn VARCHAR)))'}})""")
    sql = sqlglot.transpile(DIALECTS["athena"]("cloudtrail_logs", 30, NOW), read="athena", write="duckdb")[0]
    got = _query(con, sql)
    assert got == _embedded("aws") and len(got) > 5


def test_the_bigquery_query_computes_the_embedded_rows(tmp_path: Path) -> None:
    sqlglot = pytest.importorskip("sqlglot")
    duckdb = pytest.importorskip("duckdb")
    rows = []
    for line in (EX / "logs" / "gcp-audit-2026-11.json").read_text().splitlines():
        e = json.loads(line)
        # a log sink's BigQuery row: the AuditLog payload under protopayload_auditlog
        rows.append({"timestamp": e["timestamp"], "resource": e["resource"],
                     "protopayload_auditlog": e["protoPayload"]})
    table = tmp_path / "sink.ndjson"
    table.write_text("\n".join(json.dumps(r) for r in rows))
    con = duckdb.connect()
    con.execute(f"""CREATE TABLE sink AS SELECT * FROM read_json('{table}', columns={{
        'timestamp': 'TIMESTAMPTZ', 'resource': 'STRUCT(labels STRUCT(project_id VARCHAR))',
        'protopayload_auditlog': 'STRUCT(serviceName VARCHAR, status STRUCT(code INTEGER),
            authenticationInfo STRUCT(principalEmail VARCHAR, principalSubject VARCHAR),
            requestMetadata STRUCT(callerSuppliedUserAgent VARCHAR),
            authorizationInfo STRUCT(permission VARCHAR, granted BOOLEAN)[])'}})""")
    con.execute("SET TimeZone = 'UTC'")
    sql = sqlglot.transpile(DIALECTS["bigquery"]("p.d", 30, NOW), read="bigquery", write="duckdb")[0]
    got = _query(con, sql.replace('"p"."d"."cloudaudit_googleapis_com_*"', "sink"))
    assert got == _embedded("gcp") and len(got) == 2
