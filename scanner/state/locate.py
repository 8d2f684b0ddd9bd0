"""Which state store a deployment uses, from one string (env AUDITWARDEN_STATE):

    ""                      in memory (one warm container; the no-configuration default)
    dynamodb:TABLE          DynamoDB (the Lambda)
    firestore:COLLECTION    Firestore (the Cloud Function)
    PATH                    SQLite file
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.state.base import StateStore
from scanner.state.memory import MemoryStore


def open_store(spec: str, dynamodb: Callable[[], Any], firestore: Callable[[], Any]) -> StateStore:
    if not spec:
        return MemoryStore()
    if spec.startswith("dynamodb:"):
        from scanner.state.dynamodb import DynamoStore

        return DynamoStore(dynamodb(), spec[len("dynamodb:"):])
    if spec.startswith("firestore:"):
        from scanner.state.firestore import FirestoreStore

        return FirestoreStore(firestore(), spec[len("firestore:"):])
    from scanner.state.sqlite import SqliteStore

    return SqliteStore(spec)
