"""Parsed YAML pack files kept between runs, so that a start-up need not import PyYAML at all.

`import yaml` costs 10–20 ms (PyYAML compiles one large character class at every import) and
parsing a pack a few more: a sizeable share of a pre-commit hook that scans a commit in well under
half a second. The documents of a pack folder — with the line of every mapping and key, so errors
still name file and line — are kept in one file of the user's cache directory
(scanner.usercache: `$AUDITWARDEN_CACHE`, else `$XDG_CACHE_HOME/auditwarden`). An entry is used
only while its file's bytes hash the same; a file with values the cache cannot hold (YAML timestamps,
binary) is parsed every time, and so is everything when no cache directory can be written.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import orjson

from scanner.usercache import keyed, write_atomic
from scanner.yamlio import LineDict, load_file, load_text

_FORMAT = 1


class _Unstorable(ValueError):
    pass


def _pack(doc: Any) -> Any:
    """A document as JSON, every container wrapped so that none is mistaken for another: a LineDict
    (with its lines) is {"d": line, "k": [[key, line, value], ...]}, a list {"l": [...]}."""
    if isinstance(doc, LineDict):
        return {"d": doc.line, "k": [[k, doc.key_lines.get(k, doc.line), _pack(v)] for k, v in doc.items()]}
    if isinstance(doc, list):
        return {"l": [_pack(v) for v in doc]}
    if (isinstance(doc, float) and not math.isfinite(doc)) or (isinstance(doc, int) and abs(doc) >= 2**63):
        raise _Unstorable("a number JSON cannot hold")
    if doc is None or isinstance(doc, str | bool | int | float):
        return doc
    raise _Unstorable(type(doc).__name__)  # a timestamp, binary, a mapping without lines


def _unpack(v: Any) -> Any:
    if isinstance(v, dict):
        if "l" in v:
            return [_unpack(x) for x in v["l"]]
        d = LineDict()
        d.line = v["d"]
        d.key_lines = {}
        for k, key_line, value in v["k"]:
            d[k] = _unpack(value)
            d.key_lines[k] = key_line
        return d
    return v


def load_files(files: list[Path]) -> list[Any]:
    """The parsed YAML of each file (as `yamlio.load_file`), from the cache where it is current."""
    texts: list[tuple[Path, bytes | None]] = []
    for f in files:
        try:
            texts.append((f, f.read_bytes()))
        except OSError:
            texts.append((f, None))  # load_file names the file and the reason below
    store = keyed("yaml", _FORMAT, files[0].resolve().parent) if files else None
    cached: dict[str, list[Any]] = {}
    if store is not None:
        try:
            loaded = orjson.loads(store.read_bytes())
            if isinstance(loaded, dict):
                cached = loaded
        except (OSError, orjson.JSONDecodeError):
            pass
    docs: list[Any] = []
    fresh: dict[str, list[Any]] = {}
    changed = False
    for f, raw in texts:
        if raw is None:
            docs.append(load_file(f))
            continue
        digest = hashlib.sha256(raw).hexdigest()
        hit = cached.get(str(f))
        if isinstance(hit, list) and len(hit) == 2 and hit[0] == digest:
            try:
                docs.append(_unpack(hit[1]))
                fresh[str(f)] = hit
                continue
            except (KeyError, TypeError, ValueError):
                pass  # a damaged entry: parsed again below
        doc = _parse(f, raw)
        docs.append(doc)
        try:
            fresh[str(f)] = [digest, _pack(doc)]
            changed = True
        except _Unstorable:
            pass
    if store is not None and (changed or set(fresh) != set(cached)):
        write_atomic(store, orjson.dumps(fresh))
    return docs


def _parse(f: Path, raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return load_file(f)  # the reader's error, naming the file
    return load_text(text, str(f))
