from __future__ import annotations

from collections.abc import Iterable
from typing import IO

import orjson

from scanner.model.finding import Finding


def write_jsonl(findings: Iterable[Finding], out: IO[bytes]) -> None:
    for f in findings:
        out.write(orjson.dumps(f.to_dict()) + b"\n")
