"""Chart geometry for the report's inline SVG: numbers only (the template escapes every label)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SEV_COLORS = {"critical": "#7f1d1d", "high": "#dc2626", "medium": "#f59e0b", "low": "#93c5fd"}
#: key-age histogram bins in days (display only; the threshold that judges keys is report.key_max_age_days)
AGE_BINS = ((0, 30), (30, 90), (90, 180), (180, 365), (365, 730), (730, None))


def risk_by_account(accounts: Sequence[Mapping[str, Any]], width: int = 520) -> dict[str, Any]:
    rows = []
    top = max((sum(a["by_severity"].values()) for a in accounts), default=0) or 1
    for i, a in enumerate(accounts[:12]):
        x = 0.0
        segs = []
        for sev, color in SEV_COLORS.items():
            n = a["by_severity"].get(sev, 0)
            w = n / top * width
            if n:
                segs.append({"x": round(x, 1), "w": round(w, 1), "color": color, "sev": sev, "n": n})
            x += w
        rows.append({"label": f"{a['cloud']}:{a['account']}", "y": i * 26, "segs": segs,
                     "total": sum(a["by_severity"].values()), "end": round(x, 1)})
    return {"rows": rows, "height": max(26, len(rows) * 26), "width": width}


def unused_share(identities: Sequence[Mapping[str, Any]], width: int = 520, limit: int = 20) -> dict[str, Any]:
    with_usage = [i for i in identities if i.get("usage")]
    with_usage.sort(key=lambda i: (-i["usage"]["unused_share"], -i["usage"]["granted"], i["id"]))
    rows = [{"label": i["name"], "anchor": i["anchor"], "y": n * 22,
             "w": round(i["usage"]["unused_share"] * width, 1),
             "pct": round(i["usage"]["unused_share"] * 100)} for n, i in enumerate(with_usage[:limit])]
    return {"rows": rows, "height": max(22, len(rows) * 22), "width": width}


def key_ages(identities: Sequence[Mapping[str, Any]], height: int = 120) -> dict[str, Any]:
    counts = [0] * len(AGE_BINS)
    for i in identities:
        for k in i.get("keys", ()):
            age = k.get("age_days")
            if age is None or not k.get("active") or not k.get("user_managed", True):
                continue
            for n, (lo, hi) in enumerate(AGE_BINS):
                if age >= lo and (hi is None or age < hi):
                    counts[n] += 1
                    break
    top = max(counts) or 1
    bars = []
    for n, ((lo, hi), c) in enumerate(zip(AGE_BINS, counts, strict=True)):
        h = round(c / top * height, 1)
        bars.append({"x": n * 80, "h": h, "y": round(height - h, 1), "n": c,
                     "label": f"{lo}–{hi}d" if hi is not None else f"{lo}d+"})
    return {"bars": bars, "height": height, "width": len(AGE_BINS) * 80, "total": sum(counts)}
