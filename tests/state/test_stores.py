"""State stores: TTL, atomic conditional writes, and (SQLite) safety across processes."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from scanner.state import MemoryStore, SqliteStore
from scanner.state.base import StateStore


def _dynamodb(request: pytest.FixtureRequest) -> StateStore:
    import boto3

    from scanner.state.dynamodb import DynamoStore, create_table

    request.getfixturevalue("aws_endpoint")  # moto's server, boto3 pointed at it
    client = boto3.client("dynamodb")
    create_table(client, "auditwarden-state")
    return DynamoStore(client, "auditwarden-state")


def _firestore(request: pytest.FixtureRequest) -> StateStore:
    pytest.importorskip("google.cloud.firestore", reason="the [gcp] extra is not installed")
    from scanner.state.firestore import FirestoreStore

    return FirestoreStore(request.getfixturevalue("firestore_client"), "auditwarden-state")


@pytest.fixture(params=["memory", "sqlite", "dynamodb", "firestore"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StateStore:
    s: StateStore
    if request.param == "memory":
        s = MemoryStore()
    elif request.param == "sqlite":
        s = SqliteStore(str(tmp_path / "state.sqlite"))
    elif request.param == "dynamodb":
        s = _dynamodb(request)
    else:
        s = _firestore(request)
    yield s
    s.close()


def test_get_put_roundtrip_keeps_json_values(store: StateStore) -> None:
    store.put("oidc:ASIAX", {"subject": "repo:acme/app:ref:refs/heads/main", "ttl": 3600}, now=100.0)
    assert store.get("oidc:ASIAX", now=100.0) == {"subject": "repo:acme/app:ref:refs/heads/main", "ttl": 3600}
    assert store.get("absent", now=100.0) is None


def test_ttl_expires_values(store: StateStore) -> None:
    store.put("k", "v", now=1000.0, ttl_seconds=60)
    assert store.get("k", now=1059.0) == "v"
    assert store.get("k", now=1060.0) is None
    store.put("forever", 1, now=0.0)
    assert store.get("forever", now=1e12) == 1


def test_put_if_absent_only_first_wins_and_expired_counts_as_absent(store: StateStore) -> None:
    assert store.put_if_absent("k", "first", now=0.0, ttl_seconds=10)
    assert not store.put_if_absent("k", "second", now=5.0)
    assert store.get("k", now=5.0) == "first"
    assert store.put_if_absent("k", "third", now=10.0)
    assert store.get("k", now=10.0) == "third"


def test_compare_and_set(store: StateStore) -> None:
    assert store.compare_and_set("n", None, 1, now=0.0)
    assert not store.compare_and_set("n", None, 2, now=0.0)
    assert store.compare_and_set("n", 1, 2, now=0.0)
    assert store.get("n", now=0.0) == 2


def test_delete_and_purge(store: StateStore) -> None:
    store.put("a", 1, now=0.0, ttl_seconds=1)
    store.put("b", 2, now=0.0, ttl_seconds=100)
    store.put("c", 3, now=0.0)
    store.delete("c")
    assert store.get("c", now=0.0) is None
    assert store.purge_expired(now=50.0) == 1
    assert store.get("b", now=50.0) == 2


def test_sqlite_state_survives_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "s.sqlite")
    s = SqliteStore(path)
    s.put("link", {"subject": "x"}, now=0.0, ttl_seconds=3600)
    s.close()
    s2 = SqliteStore(path)
    assert s2.get("link", now=10.0) == {"subject": "x"}
    s2.close()


def _race(path: str, who: int, q: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    s = SqliteStore(path)
    won = sum(1 for i in range(50) if s.put_if_absent(f"cap:{i}", who, now=0.0, ttl_seconds=3600))
    s.close()
    q.put(won)


def test_sqlite_put_if_absent_is_atomic_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "race.sqlite")
    SqliteStore(path).close()
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_race, args=(path, i, q)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    wins = [q.get(timeout=5) for _ in procs]
    assert sum(wins) == 50  # every key claimed exactly once, whoever won it


def _open_at(path: str, at: float, q: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    import time

    while time.time() < at:  # every process opens the new file at the same moment
        pass
    try:
        SqliteStore(path).close()
        q.put("ok")
    except Exception as e:  # the error is the result
        q.put(f"{type(e).__name__}: {e}")


def test_processes_opening_a_new_state_file_at_once_all_get_it(tmp_path: Path) -> None:
    # Parallel runs given one new --state file: switching it to WAL failed at once with "database is
    # locked" in about one round in four, reported as "not an auditwarden state store" (exit code 2)
    import time

    ctx = multiprocessing.get_context("fork")
    errors = []
    for i in range(12):
        path, q = str(tmp_path / f"new-{i}.sqlite"), ctx.Queue()
        at = time.time() + 0.2
        procs = [ctx.Process(target=_open_at, args=(path, at, q)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        errors += [r for r in (q.get(timeout=5) for _ in procs) if r != "ok"]
    assert errors == []
