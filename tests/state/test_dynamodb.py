"""DynamoDB specifics against moto's server: the TTL attribute DynamoDB sweeps, conditional writes under
concurrency, and compare-and-set that compares values rather than JSON key order."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from scanner.state.dynamodb import DynamoStore, create_table

TABLE = "auditwarden-state"


@pytest.fixture
def dynamo(aws_endpoint: str) -> Any:
    client = boto3.client("dynamodb")
    create_table(client, TABLE)
    return client


def test_ttl_attribute_is_enabled_and_written_in_epoch_seconds(dynamo: Any) -> None:
    ttl = dynamo.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "exp" and ttl["TimeToLiveStatus"] in ("ENABLED", "ENABLING")
    s = DynamoStore(dynamo, TABLE)
    s.put("delivered:x", 1, now=1_700_000_000.25, ttl_seconds=3600)
    s.put("forever", 1, now=0.0)
    item = dynamo.get_item(TableName=TABLE, Key={"k": {"S": "delivered:x"}})["Item"]
    assert item["exp"] == {"N": "1700003601"}
    assert "exp" not in dynamo.get_item(TableName=TABLE, Key={"k": {"S": "forever"}})["Item"]


def test_an_expired_item_dynamodb_has_not_swept_yet_reads_as_absent_and_can_be_claimed(dynamo: Any) -> None:
    s = DynamoStore(dynamo, TABLE)
    s.put("k", "old", now=0.0, ttl_seconds=10)
    assert s.get("k", now=11.0) is None
    assert s.put_if_absent("k", "new", now=11.0)
    assert not s.compare_and_set("k", "old", "x", now=11.0)


def test_compare_and_set_compares_values_not_key_order(dynamo: Any) -> None:
    s = DynamoStore(dynamo, TABLE)
    s.put("hb", {"aws:1": 1.0, "gcp:p": 2.0}, now=0.0)
    assert s.compare_and_set("hb", {"gcp:p": 2.0, "aws:1": 1.0}, {"aws:1": 3.0}, now=0.0)
    assert s.get("hb", now=0.0) == {"aws:1": 3.0}


def test_put_if_absent_has_one_winner_among_competing_writers(dynamo: Any) -> None:
    # Four stores (four function instances) claim the same keys in turn, each key first tried by a
    # different writer: the condition lets exactly the first through. The attempts are interleaved,
    # not run on threads: moto's conditional writes are not atomic across its server threads (under
    # load two threads both won one key), while DynamoDB's are; what this code owns is the condition.
    stores = [DynamoStore(boto3.client("dynamodb"), TABLE) for _ in range(4)]
    winners = []
    for i in range(15):
        order = [(i + k) % 4 for k in range(4)]
        won = [who for who in order if stores[who].put_if_absent(f"claim:{i}", who, now=0.0, ttl_seconds=60)]
        winners.append(won)
    assert winners == [[i % 4] for i in range(15)]
    assert stores[0].get("claim:5", now=0.0) == 1  # the winner's value, not a later writer's
