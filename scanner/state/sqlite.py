"""SQLite state: the embedded default (`--state FILE`). Safe across processes via SQLite's own locking."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import orjson

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key     TEXT PRIMARY KEY,
    value   BLOB NOT NULL,
    expires REAL
);
CREATE INDEX IF NOT EXISTS kv_expires ON kv(expires);
"""


_COLUMNS = ["key", "value", "expires"]


class StateFileError(ValueError):
    """The state file is not an auditwarden state store (corrupt, or some other program's file)."""


class SqliteStore:
    def __init__(self, path: str, timeout_seconds: float = 30.0, ephemeral: bool = False) -> None:
        self.path = path
        #: a scratch store that dies with the run (see MemoryStore.ephemeral)
        self.ephemeral = ephemeral
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                self._open(path, timeout_seconds, ephemeral)
                return
            except sqlite3.OperationalError as e:
                # Processes opening a new file at once (parallel scans, function instances sharing a
                # volume): switching it to WAL can fail at once with "database is locked" instead of
                # waiting in the busy handler. Busy is not foreign: try again until the timeout.
                busy = "locked" in str(e) or "busy" in str(e)
                if not busy or time.monotonic() >= deadline:
                    raise StateFileError(f"state file {path}: not an auditwarden state store ({e})") from None
                time.sleep(0.02)
            except sqlite3.DatabaseError as e:
                raise StateFileError(f"state file {path}: not an auditwarden state store ({e})") from None

    def _open(self, path: str, timeout_seconds: float, ephemeral: bool) -> None:
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves so conditional writes are atomic.
        self._db = sqlite3.connect(path, timeout=timeout_seconds, isolation_level=None)
        try:
            self._check_foreign()
            self._db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit is not fsynced on its own (a power cut may lose the last ones, never
            # corrupts); baselines write once per principal and an fsync each made a flood cost seconds
            self._db.execute("PRAGMA synchronous=OFF" if ephemeral else "PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            self._db.close()
            raise

    def _check_foreign(self) -> None:
        """Refuse a database some other program wrote rather than adding our table to it."""
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return
        cols = [r[1] for r in self._db.execute("PRAGMA table_info(kv)")]
        if cols != _COLUMNS:
            self._db.close()
            raise StateFileError(f"state file {self.path}: a SQLite database of another program "
                                 f"(tables: {', '.join(sorted(tables))[:200]}), not an auditwarden state store")

    def _get(self, key: str, now: float) -> Any | None:
        row = self._db.execute(
            "SELECT value FROM kv WHERE key = ? AND (expires IS NULL OR expires > ?)", (key, now)
        ).fetchone()
        return orjson.loads(row[0]) if row else None

    def get(self, key: str, now: float) -> Any | None:
        return self._get(key, now)

    def _write(self, key: str, value: Any, now: float, ttl: float | None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO kv(key, value, expires) VALUES (?, ?, ?)",
            (key, orjson.dumps(value), now + ttl if ttl is not None else None),
        )

    def put(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> None:
        self._write(key, value, now, ttl_seconds)

    def put_if_absent(self, key: str, value: Any, now: float, ttl_seconds: float | None = None) -> bool:
        return self.compare_and_set(key, None, value, now, ttl_seconds)

    def compare_and_set(
        self, key: str, expected: Any | None, value: Any, now: float, ttl_seconds: float | None = None
    ) -> bool:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._get(key, now) != expected:
                self._db.execute("ROLLBACK")
                return False
            self._write(key, value, now, ttl_seconds)
            self._db.execute("COMMIT")
            return True
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def delete(self, key: str) -> None:
        self._db.execute("DELETE FROM kv WHERE key = ?", (key,))

    def purge_expired(self, now: float) -> int:
        cur = self._db.execute("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?", (now,))
        return cur.rowcount

    def close(self) -> None:
        self._db.close()
