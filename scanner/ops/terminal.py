"""Audit logs are attacker text: strip what a terminal would interpret before printing it."""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, C1 controls (incl. CSI 0x9b), and bidi overrides.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Remove control characters (ANSI escapes lose their ESC and become inert text)."""
    return _CONTROL.sub("", text)


def safe_line(text: str) -> str:
    """Like safe() but also folds newlines: one value, one line."""
    return safe(text.replace("\n", " ").replace("\t", " "))
