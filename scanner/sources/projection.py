"""Decode only some paths of a JSON record: the parts an early rule check reads (detect/early.py).

A record wanted by its quick key only for rules whose early checks read a few raw fields (an instance
type, a resource name) is decoded with a msgspec type holding just those paths, and parsed whole with
orjson only when a check passes. msgspec skips the other fields in C, several times faster than
building them as Python objects.

The projection must read each path exactly as the full parse would, or not at all: a field on a path
is typed "object, list of objects, or null", a leaf is decoded as is (any JSON), and anything else (a
string where an object was expected, a list of scalars...) fails validation, and the caller then
parses the record whole. Absent fields stay absent (UNSET is dropped by to_builtins), and on a
duplicate key msgspec keeps the last value, as orjson does.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count
from typing import Any

import msgspec

_names = count()


def _tree(paths: Iterable[tuple[str, ...]]) -> dict[str, Any]:
    """Paths as a nested dict; a path that is a prefix of another is a leaf (None), read whole."""
    root: dict[str, Any] = {}
    for path in sorted(set(paths), key=len):
        node = root
        for i, part in enumerate(path):
            if node.get(part, 0) is None:  # a shorter path already reads this subtree whole
                break
            if i == len(path) - 1:
                node[part] = None
            else:
                node = node.setdefault(part, {})
    return root


def _struct(tree: dict[str, Any]) -> Any:
    fields = []
    for i, (key, sub) in enumerate(sorted(tree.items())):
        kind: Any = Any if sub is None else _node(sub)
        fields.append((f"f{i}", kind, msgspec.field(default=msgspec.UNSET, name=key)))
    return msgspec.defstruct(f"Projection{next(_names)}", fields)


def _node(tree: dict[str, Any]) -> Any:
    s = _struct(tree)
    return s | list[s] | None  # type: ignore[valid-type]  # what a path may cross: object, list, null


class Projector:
    """A decoder of some paths (each a tuple of object keys below the record's top level). Called with
    a record's bytes: a dict holding only those paths, or None when the record does not have the
    expected shape (the caller then parses it whole)."""

    __slots__ = ("_decoder", "_encoder")

    def __init__(self, paths: Iterable[tuple[str, ...]]) -> None:
        self._decoder = msgspec.json.Decoder(_struct(_tree(paths)))
        self._encoder = msgspec.json.Encoder()

    def __call__(self, doc: Any) -> dict[str, Any] | None:
        got = self.keyed(doc)
        return None if got is None else self.plain(got[1])

    def keyed(self, doc: Any) -> tuple[bytes, Any] | None:
        """The decoded paths, and them as JSON written one way (equal bytes, equal values: a pure check
        of the paths can be remembered by these bytes); None as for a call."""
        try:
            value = self._decoder.decode(doc)
            return self._encoder.encode(value), value
        except (msgspec.DecodeError, msgspec.EncodeError, RecursionError):  # ValidationError is a DecodeError
            return None

    @staticmethod
    def plain(value: Any) -> dict[str, Any] | None:
        """keyed()'s decoded value as the dict a call returns."""
        out = msgspec.to_builtins(value)
        return out if isinstance(out, dict) else None
