"""Event → OCSF 1.8.0 API Activity (class_uid 6003). Placeholder mapping, completed in its own module."""

from __future__ import annotations

from typing import Any

from scanner.model.event import Event


def to_ocsf(ev: Event) -> dict[str, Any]:
    raise NotImplementedError("OCSF output is being built")
