"""Key-value state with TTL and atomic conditional put: one interface, several backends."""

from scanner.state.base import StateStore
from scanner.state.memory import MemoryStore
from scanner.state.sqlite import SqliteStore

__all__ = ["MemoryStore", "SqliteStore", "StateStore"]
