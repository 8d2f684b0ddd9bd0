"""Firestore specifics with the real client against a local gRPC Firestore: preconditions make the
conditional writes atomic between concurrent functions; keys may hold any character."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

pytest.importorskip("google.cloud.firestore", reason="the [gcp] extra is not installed")

from scanner.state.firestore import FirestoreStore


def test_one_winner_among_concurrent_claims(firestore_client: Any) -> None:
    def claim(who: int) -> int:
        s = FirestoreStore(firestore_client, "state")
        return sum(1 for i in range(10) if s.put_if_absent(f"claim:{i}", who, now=0.0, ttl_seconds=60))

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(claim, range(4))) == 10


def test_compare_and_set_loses_to_a_write_in_between(firestore_client: Any) -> None:
    a, b = FirestoreStore(firestore_client, "state"), FirestoreStore(firestore_client, "state")
    a.put("heartbeat:last_seen", {"gcp:p": 1.0}, now=0.0)
    assert b.compare_and_set("heartbeat:last_seen", {"gcp:p": 1.0}, {"gcp:p": 2.0}, now=0.0)
    assert not a.compare_and_set("heartbeat:last_seen", {"gcp:p": 1.0}, {"gcp:p": 3.0}, now=0.0)
    assert a.get("heartbeat:last_seen", now=0.0) == {"gcp:p": 2.0}


def test_keys_with_slashes_and_expired_documents(firestore_client: Any) -> None:
    s = FirestoreStore(firestore_client, "state")
    key = "delivered:webhook:projects/p/topics/t:abc"
    s.put(key, 1, now=0.0, ttl_seconds=5)
    assert s.get(key, now=4.0) == 1
    assert s.get(key, now=5.0) is None
    assert s.put_if_absent(key, 2, now=5.0)  # expired counts as absent
    assert s.get(key, now=5.0) == 2
