"""DynamoDB state for the Lambda: one item per key, conditional writes for the atomic operations, and
a TTL attribute so DynamoDB deletes expired items itself.

Table: partition key `k` (string); attributes `v` (the value as canonical JSON: sorted keys, so
compare-and-set compares values, not key order) and `exp` (epoch seconds, the table's TTL attribute).
DynamoDB removes expired items lazily (within about two days), so every read also checks `exp`.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

#: A value is live when it has no expiry or its expiry is still ahead of :now.
_LIVE = "(attribute_not_exists(exp) OR exp > :now)"
_ABSENT = "(attribute_not_exists(k) OR exp <= :now)"


def _dump(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def _num(x: float) -> dict[str, str]:
    return {"N": repr(float(x))}


def _expiry(x: float) -> dict[str, str]:
    # DynamoDB's TTL sweep reads whole epoch seconds; rounding up keeps a value at most 1 s longer.
    return {"N": str(math.ceil(x))}


class DynamoStore:
    def __init__(self, client: Any, table: str) -> None:
        self._db = client  # a boto3 "dynamodb" client (low level: no Decimal conversions, faster import)
        self.table = table

    def _item(self, key: str, value: Any, now: float, ttl: float | None) -> dict[str, Any]:
        item: dict[str, Any] = {"k": {"S": key}, "v": {"S": _dump(value)}}
        if ttl is not None:
            item["exp"] = _expiry(now + ttl)
        return item

    def _conditional_put(self, item: dict[str, Any], condition: str, values: dict[str, Any]) -> bool:
        try:
            self._db.put_item(TableName=self.table, Item=item, ConditionExpression=condition,
                              ExpressionAttributeValues=values)
            return True
        except self._db.exceptions.ConditionalCheckFailedException:
            return False

    def get(self, key: str, now: float) -> Any | None:
        resp = self._db.get_item(TableName=self.table, Key={"k": {"S": key}}, ConsistentRead=True)
        item = resp.get("Item")
        if not item:
            return None
        exp = item.get("exp")
        if exp is not None and float(exp["N"]) <= now:
            return None
        return orjson.loads(item["v"]["S"])

    def put(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> None:
        self._db.put_item(TableName=self.table, Item=self._item(key, value, now, ttl_seconds))

    def put_if_absent(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> bool:
        return self._conditional_put(self._item(key, value, now, ttl_seconds), _ABSENT, {":now": _num(now)})

    def compare_and_set(
        self, key: str, expected: Any | None, value: Any, now: float, ttl_seconds: float | None = None
    ) -> bool:
        item = self._item(key, value, now, ttl_seconds)
        if expected is None:
            return self._conditional_put(item, _ABSENT, {":now": _num(now)})
        return self._conditional_put(item, f"v = :expected AND {_LIVE}",
                                     {":now": _num(now), ":expected": {"S": _dump(expected)}})

    def delete(self, key: str) -> None:
        self._db.delete_item(TableName=self.table, Key={"k": {"S": key}})

    def purge_expired(self, now: float) -> int:
        """Delete what has expired but DynamoDB's TTL sweep has not removed yet (a Scan: maintenance only)."""
        n = 0
        pages = self._db.get_paginator("scan").paginate(
            TableName=self.table, FilterExpression="exp <= :now", ExpressionAttributeValues={":now": _num(now)},
            ProjectionExpression="k")
        for page in pages:
            for item in page.get("Items", []):
                self._db.delete_item(TableName=self.table, Key={"k": item["k"]})
                n += 1
        return n

    def close(self) -> None:
        pass


def create_table(client: Any, table: str) -> None:
    """The table as terraform/aws declares it (for tests and local runs)."""
    client.create_table(TableName=table, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    client.get_waiter("table_exists").wait(TableName=table)
    client.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
