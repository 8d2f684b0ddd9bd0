"""Firestore state for the Cloud Function: one document per key in a collection.

Document fields: `v` (the value as canonical JSON, sorted keys), `exp` (expiry, epoch seconds, or
null) and `expire_at` (the same as a timestamp). Conditional writes use Firestore preconditions:
`create` (document must not exist) and `last_update_time` (nobody wrote since we read), so
put-if-absent and compare-and-set are atomic without a transaction. A Firestore TTL policy on
`expire_at` (terraform/gcp sets it) sweeps expired documents; reads check `exp` themselves either
way, since the sweep runs late. Keys are hashed into document ids: a key may hold "/", which
Firestore reads as a path separator.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson


def _dump(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")


def _doc_id(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class FirestoreStore:
    def __init__(self, client: Any, collection: str) -> None:
        from google.api_core import exceptions

        self._client = client  # google.cloud.firestore.Client
        self._col = client.collection(collection)
        self._conflicts = (exceptions.Conflict, exceptions.FailedPrecondition, exceptions.AlreadyExists)

    def _fields(self, key: str, value: Any, now: float, ttl: float | None) -> dict[str, Any]:
        # `exp` (a number) is what reads compare; `expire_at` (a timestamp) is what a Firestore TTL
        # policy can sweep — TTL policies accept timestamp fields only.
        exp = now + ttl if ttl is not None else None
        return {"k": key, "v": _dump(value), "exp": exp,
                "expire_at": datetime.fromtimestamp(exp, UTC) if exp is not None else None}

    def _read(self, key: str, now: float) -> tuple[Any, Any | None, bool]:
        """(snapshot, live value or None, exists at all)."""
        snap = self._col.document(_doc_id(key)).get()
        if not snap.exists:
            return snap, None, False
        data = snap.to_dict() or {}
        exp = data.get("exp")
        if exp is not None and float(exp) <= now:
            return snap, None, True
        return snap, orjson.loads(data["v"]), True

    def get(self, key: str, now: float) -> Any | None:
        return self._read(key, now)[1]

    def put(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> None:
        self._col.document(_doc_id(key)).set(self._fields(key, value, now, ttl_seconds))

    def _replace(self, snap: Any, fields: dict[str, Any]) -> bool:
        """Write over the document read as `snap` only if nobody wrote it since."""
        try:
            snap.reference.update(fields, option=self._client.write_option(last_update_time=snap.update_time))
            return True
        except self._conflicts:
            return False

    def put_if_absent(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> bool:
        return self.compare_and_set(key, None, value, now, ttl_seconds)

    def compare_and_set(
        self, key: str, expected: Any | None, value: Any, now: float, ttl_seconds: float | None = None
    ) -> bool:
        snap, live, exists = self._read(key, now)
        if live != expected:
            return False
        fields = self._fields(key, value, now, ttl_seconds)
        if not exists:
            try:
                self._col.document(_doc_id(key)).create(fields)
                return True
            except self._conflicts:
                return False
        return self._replace(snap, fields)

    def delete(self, key: str) -> None:
        self._col.document(_doc_id(key)).delete()

    def purge_expired(self, now: float) -> int:
        from google.cloud.firestore_v1.base_query import FieldFilter

        n = 0
        for snap in self._col.where(filter=FieldFilter("exp", "<=", now)).stream():
            snap.reference.delete()
            n += 1
        return n

    def close(self) -> None:
        pass
