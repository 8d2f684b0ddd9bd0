"""Dead letters: every rejected input, with its reason, as JSON Lines a human or a replay job can read."""

from __future__ import annotations

from typing import IO

import orjson

from scanner.sources.records import Rejected


class DeadLetterFile:
    def __init__(self, fh: IO[bytes]) -> None:
        self._fh = fh

    def write(self, r: Rejected) -> None:
        rec = {"origin": r.origin, "reason": r.reason, "detail": r.detail, "sample": r.sample}
        self._fh.write(orjson.dumps(rec) + b"\n")
