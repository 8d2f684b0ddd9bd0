"""RFC 3339 parsing tolerant of the variants clouds emit (Z, nanoseconds, space separator)."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:  # Python 3.11 reads nearly every form clouds write (Z, nanoseconds); the slow path is the rest
        dt = datetime.fromisoformat(text)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    except ValueError:
        pass
    t = text.strip().replace(" ", "T", 1)
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    dot = t.find(".")
    if dot != -1:  # Python keeps microseconds; GCP writes nanoseconds
        end = dot + 1
        while end < len(t) and t[end].isdigit():
            end += 1
        t = t[: dot + 1] + t[dot + 1 : end][:6].ljust(6, "0") + t[end:]
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def epoch_seconds(text: str) -> float | None:
    dt = parse_time(text)
    return dt.timestamp() if dt else None


def epoch_millis(text: str) -> int | None:
    dt = parse_time(text)
    return int(dt.timestamp() * 1000) if dt else None


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
