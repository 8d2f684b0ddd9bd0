"""baseline → scan --state → anomaly, end to end on a fresh state file; bad state files exit 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
from click.testing import CliRunner, Result

from scanner.cli import cli
from tests.anomaly.events import CONSOLE, DAY, DEV, HOUR, ROLE, T0, Trail
from tests.anomaly.events import developer_weeks as _weeks
from tests.anomaly.events import write_trail as _write


def _invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_baseline_then_scan_then_anomaly_on_a_fresh_state(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    history, today = Trail(1), Trail(2)
    _weeks(history, 10)
    _weeks(today, 1, start=T0 + 10 * DAY)
    # the developer role's session is hijacked: the console's user agent, a new network, 20 secrets
    atk = T0 + 10 * DAY + 13 * HOUR
    attack = [today.aws(atk + i * 3, DEV, "secretsmanager.amazonaws.com", "GetSecretValue", ip="185.220.101.7",
                        agent=CONSOLE, params={"secretId": f"prod/app/{i}"}) for i in range(20)]
    base = _write(history, tmp_path / "history.json")
    new = _write(today, tmp_path / "today.json")

    r = _invoke("baseline", str(base), "--state", state)
    assert r.exit_code == 0, r.output
    r = _invoke("scan", str(new), "--state", state, "--format", "jsonl")
    assert r.exit_code == 1, r.output
    found = [orjson.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    rules = {f["rule"] for f in found if set(f["event_ids"]) & set(attack)}
    assert {"anomaly.new_sensitive_api", "anomaly.secret_read_burst"} <= rules
    assert {f["rule"] for f in found} <= rules  # nothing about the benign routine

    r = _invoke("anomaly", str(new), "--state", state, "--format", "jsonl")
    assert r.exit_code == 1, r.output
    hours = [orjson.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert len(hours) == 1  # budget: one per day
    f = hours[0]
    assert f["rule"] == "anomaly.principal_hour" and f["category"] == "anomaly"
    assert f["principal"] == "arn:aws:iam::111122223333:role/developer" and f["time"] == "2026-09-17T13:00:00Z"
    drivers = {d["feature"]: d for d in f["evidence"]["drivers"]}
    assert drivers and set(drivers) <= {"sensitive_calls", "distinct_resources", "events", "new_networks",
                                        "first_seen_ops", "distinct_families", "distinct_ops"}
    assert all(d["value"] > d["usual"] for d in drivers.values())

    table = _invoke("anomaly", str(new), "--state", state, "--format", "table")
    assert "anomaly.principal_hour" in table.stdout


def test_anomaly_scoring_is_deterministic(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    trail = Trail(3)
    _weeks(trail, 9)
    trail.aws(T0 + 8 * DAY + 3 * HOUR, ROLE, "iam.amazonaws.com", "ListRoles", ip="185.220.101.7")
    logs = _write(trail, tmp_path / "all.json")
    assert _invoke("baseline", str(logs), "--state", state, "--days", "5").exit_code == 0
    runs = [_invoke("anomaly", str(logs), "--state", state).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].count("\n") >= 1


def _refused(state: Path) -> None:
    for args in (("baseline",), ("anomaly",), ("scan",)):
        r = _invoke(*args, "tests/fixtures/audit/formats/aws_1_cloudtrail_s3_object.json", "--state", str(state))
        assert r.exit_code == 2, (args, r.output)
        assert "Traceback" not in r.output and isinstance(r.exception, SystemExit)
        assert str(state) in r.output and "state" in r.output


def test_a_corrupt_state_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "state.sqlite"
    bad.write_bytes(b"\x00garbage that is not SQLite at all" * 100)
    _refused(bad)


def test_a_foreign_sqlite_database_is_refused_not_modified(tmp_path: Path) -> None:
    other = tmp_path / "places.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE moz_places (id INTEGER, url TEXT)")
    _refused(other)
    with sqlite3.connect(other) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["moz_places"]


def test_a_state_file_with_a_tampered_baseline_is_a_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    trail = Trail()
    trail.routine(1)
    logs = _write(trail, tmp_path / "a.json")
    assert _invoke("baseline", str(logs), "--state", str(state)).exit_code == 0
    with sqlite3.connect(state) as db:
        db.execute("UPDATE kv SET value = ? WHERE key LIKE 'anomaly:p:%'", (b'{"v": 1, "first": "x"}',))
    for cmd in ("baseline", "anomaly"):
        r = _invoke(cmd, str(logs), "--state", str(state))
        assert r.exit_code == 2 and "malformed baseline profile" in r.output, r.output


def test_a_tampered_baseline_index_stops_scan_with_a_clear_error(tmp_path: Path) -> None:
    from scanner.state.sqlite import SqliteStore

    state = tmp_path / "state.sqlite"
    store = SqliteStore(str(state))
    store.put("anomaly:index:5", ["not", "an", "index"], 0.0)
    store.close()
    r = _invoke("scan", "tests/fixtures/audit/formats/aws_1_cloudtrail_s3_object.json", "--state", str(state))
    assert r.exit_code == 2 and "baseline index" in r.output and isinstance(r.exception, SystemExit), r.output


def test_a_configured_geoip_table_that_cannot_be_read_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "auditwarden.yaml"
    cfg.write_text(f"anomaly:\n  geoip:\n    country: {tmp_path / 'missing.mmdb'}\n")
    trail = Trail()
    trail.routine(1)
    logs = _write(trail, tmp_path / "a.json")
    r = _invoke("baseline", str(logs), "--state", str(tmp_path / "s.db"), "--config", str(cfg))
    assert r.exit_code == 2 and "missing.mmdb" in r.output and isinstance(r.exception, SystemExit), r.output
