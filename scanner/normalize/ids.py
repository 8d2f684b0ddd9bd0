"""A stable id for a record that carries none (partial and re-exported logs drop eventID / insertId)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from scanner.model.finding import fingerprint


def synthetic_id(record: Mapping[str, Any]) -> str:
    """Same record, same id, in every run: a fingerprint of its canonical JSON (keys sorted), marked as ours."""
    try:
        text = orjson.dumps(record, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # not JSON-shaped (only possible for records built in code)
        text = repr(sorted(map(str, record.items())))
    return "synthetic:" + fingerprint(text)
