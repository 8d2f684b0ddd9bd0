"""Bounds on attacker-controlled input: a gzip bomb or a pathological document must cost bounded memory."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _selective_default() -> bool:
    # AUDITWARDEN_SELECTIVE_DECODING=0 turns the fast path off everywhere (the test suite runs both ways)
    return os.environ.get("AUDITWARDEN_SELECTIVE_DECODING", "1") != "0"


@dataclass(frozen=True, slots=True)
class Limits:
    max_decompressed_bytes: int = 512 * 1024 * 1024  # per input object
    max_line_bytes: int = 16 * 1024 * 1024  # per NDJSON line / embedded payload
    max_envelope_depth: int = 8  # SQS(SNS(S3 notification)) is 3; more is abuse
    # orjson refuses documents nested deeper than 1024 levels, itself bounding recursion cost.
    #: read only the dispatch fields of plain records; parse whole only what a detector wants (fastpath.py)
    selective_decoding: bool = field(default_factory=_selective_default)
