"""Bounded baselines: a flood of principals or values cannot grow memory or the state file without limit."""

from __future__ import annotations

import sqlite3
import uuid

from scanner.anomaly.detector import NoveltyDetector
from scanner.anomaly.features import traits
from scanner.anomaly.profile import Profile
from scanner.anomaly.settings import AnomalySettings, Limits
from scanner.anomaly.store import PREFIX, Baselines
from scanner.state.sqlite import SqliteStore
from tests.anomaly.events import DAY, DEV, T0, Trail


def _rows(path: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM kv WHERE key LIKE 'anomaly:%'").fetchone()[0])


def test_assume_role_spray_with_random_session_names_is_one_principal(tmp_path) -> None:
    from bench.anomaly_gen import aws_role

    trail = Trail()
    for i in range(2000):
        trail.aws(T0 + i, aws_role("deploy", uuid.uuid4().hex), "sts.amazonaws.com", "GetCallerIdentity",
                  ip=f"185.{i % 200}.{i // 200}.7")
    path = str(tmp_path / "s.db")
    s = AnomalySettings()
    det = NoveltyDetector(s, Baselines(SqliteStore(path), s.limits))
    for ev in trail.events():
        det.evaluate(ev)
    det.finish()
    assert _rows(path) == 2  # one profile + its index shard
    assert det.baselines.stats()["principals"] == 1


def test_a_flood_of_distinct_principals_is_capped_in_memory_and_in_the_store(tmp_path) -> None:
    from bench.anomaly_gen import aws_user

    trail = Trail()
    for i in range(3000):
        trail.aws(T0 + i, aws_user(f"spray-{i}", "AKIAZ7QSPRAY0000001"), "sts.amazonaws.com", "GetCallerIdentity",
                  ip="185.220.101.7")
    path = str(tmp_path / "s.db")
    limits = Limits(max_principals=200, cache_principals=50)
    s = AnomalySettings(limits=limits)
    det = NoveltyDetector(s, Baselines(SqliteStore(path), limits))
    peak_cache = 0
    for ev in trail.events():
        det.evaluate(ev)
        peak_cache = max(peak_cache, det.baselines.stats()["cached"])
    det.finish()
    assert peak_cache <= 50
    stats = det.baselines.stats()
    assert 150 <= stats["principals"] <= 200 and stats["cached"] == 50
    assert stats["evicted"] == 3000 - stats["principals"]
    profiles = _rows(path) - 64  # less the index shards
    assert profiles == stats["principals"]
    # the survivors are the most recently active ones
    again = Baselines(SqliteStore(path), limits)
    alive = again.principals(T0 + 4000)
    assert "aws|111122223333|arn:aws:iam::111122223333:user/spray-2999" in alive
    assert "aws|111122223333|arn:aws:iam::111122223333:user/spray-0" not in alive
    assert SqliteStore(path).get(PREFIX + "aws|111122223333|arn:aws:iam::111122223333:user/spray-0", T0) is None


def test_value_sets_are_capped_and_a_saturated_field_raises_no_novelty() -> None:
    trail = Trail()
    for i in range(100):
        trail.aws(T0 + i * 600, DEV, "ec2.amazonaws.com", "DescribeInstances", ip=f"100.{i}.1.1")
    prof = Profile(T0)
    for ev in trail.events():
        t = traits(ev)
        assert t is not None
        prof.learn(t, cap=16)
    assert len(prof.values["network"]) == 16 and "network" in prof.saturated
    assert prof.knows("network", "185.220.101.0/24")  # too varied to judge
    assert not prof.knows("family", "iam")


def test_values_expire_after_their_ttl_and_profiles_round_trip() -> None:
    trail = Trail()
    trail.aws(T0, DEV, "ec2.amazonaws.com", "DescribeInstances", ip="100.1.1.1")
    trail.aws(T0 + 100 * DAY, DEV, "ec2.amazonaws.com", "DescribeInstances", ip="100.2.2.2")
    prof = Profile(T0)
    for ev in trail.events():
        t = traits(ev)
        assert t is not None
        prof.learn(t, cap=16)
    prof.expire(T0 + 100 * DAY, 90 * DAY)
    assert list(prof.values["network"]) == ["100.2.2.0/24"]
    again = Profile.from_json(prof.to_json())
    assert again.to_json() == prof.to_json()


def test_parallel_scan_workers_add_up_their_learning_in_one_state_file(tmp_path) -> None:
    """`scan --jobs 2`: workers are never finished; each input's learning is merged into the store."""
    import orjson

    from scanner.config import Config
    from scanner.runner import run_scan
    from tests.anomaly.events import ROLE, T0

    files = []
    for part in range(4):
        trail = Trail(part)
        trail.routine(2, start=T0 + part * 2 * DAY)
        f = tmp_path / f"part{part}.json"
        f.write_bytes(orjson.dumps({"Records": [r for _, r in trail.records()]}))
        files.append(str(f))
    state = str(tmp_path / "s.db")
    out = run_scan(files, Config(), state_path=state, jobs=2)
    assert out.stats.events == 4 * 2 * 24 * 2 and not out.stats.rejected
    key = f"aws|111122223333|{ROLE['sessionContext']['sessionIssuer']['arn']}"
    prof = Profile.from_json(SqliteStore(state).get(PREFIX + key, T0))
    assert prof.n == 4 * 2 * 24 * 2
    assert prof.usual("sensitive") == [["kms:Decrypt", 192], ["secretsmanager:GetSecretValue", 192]]
    assert prof.history_days() > 7.9
