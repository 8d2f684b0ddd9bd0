"""Anomaly evaluation: detection per injected technique and false alarms per day, for rules only,
novelty only, pyod only and all combined — then pyod's speed on 1M principal-hour rows.

    .venv/bin/python bench/anomaly_eval.py            # table on stdout; exit 1 when a budget is missed

The real commands run, in the order an operator runs them: `baseline` over the first two weeks,
`scan --state` over the next three (learning as it goes), then `anomaly` over the same three weeks.
Budgets (issue 8): combined >= 80% of techniques detected within 24 h at <= 2 false alarms per day;
pyod scoring of 1M rows in under 60 s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.anomaly_gen import BASELINE_DAYS, EVAL_DAYS, Attack, day_files, generate  # noqa: E402

HOUR, DAY = 3600.0, 86400.0
GROUPS = ("rules", "novelty", "pyod", "combined")


def _cli(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from scanner.cli import main; main()", *args], check=False,
                   stderr=subprocess.DEVNULL)


def _write(root: Path, seed: int) -> list[Attack]:
    log, attacks = generate(seed)
    first = min(set(log.aws) | set(log.gcp))
    for sub in ("base", "eval"):
        (root / sub).mkdir(parents=True)
    for day, cloud, recs in day_files(log):
        d = root / ("base" if day - first < BASELINE_DAYS else "eval")
        if cloud == "aws":
            (d / f"{day}-aws.json").write_bytes(orjson.dumps({"Records": recs}))
        else:
            (d / f"{day}-gcp.jsonl").write_bytes(b"\n".join(orjson.dumps(r) for r in recs) + b"\n")
    return attacks


def _read(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _when(text: str) -> float:
    from scanner.timeutil import epoch_seconds

    return epoch_seconds(text) or 0.0


def _detected_at(f: dict[str, Any], a: Attack) -> float | None:
    """When `f` tells an analyst about attack `a` (None: it does not). pyod runs nightly."""
    t = _when(f["time"])
    if f["rule"] == "anomaly.principal_hour":
        if f["principal"] == a.identity and t <= a.end and t + HOUR > a.start:
            return (t // DAY + 1) * DAY  # the nightly job after that hour
        return None
    if set(f["event_ids"]) & set(a.event_ids):
        return max(t, a.start)
    return None


def evaluate(findings: dict[str, list[dict[str, Any]]], attacks: Sequence[Attack]) -> dict[str, Any]:
    out: dict[str, Any] = {"per_technique": [], "false_alarms": {}, "rate": {}}
    findings = {**findings, "combined": [f for g in ("rules", "novelty", "pyod") for f in findings[g]]}
    for a in attacks:
        row: dict[str, Any] = {"technique": a.technique, "mode": a.mode, "network": a.network, "cloud": a.cloud}
        for g in GROUPS:
            times = [t for f in findings[g] if (t := _detected_at(f, a)) is not None]
            lat = min(times) - a.start if times else None
            row[g] = "1h" if lat is not None and lat <= HOUR else "24h" if lat is not None and lat <= DAY else "-"
        out["per_technique"].append(row)
    for g in GROUPS:
        fa = [f for f in findings[g] if not any(_detected_at(f, a) is not None for a in attacks)]
        out["false_alarms"][g] = round(len(fa) / EVAL_DAYS, 2)
        hits = [r[g] for r in out["per_technique"]]
        out["rate"][g] = {"1h": sum(h == "1h" for h in hits) / len(hits),
                          "24h": sum(h != "-" for h in hits) / len(hits)}
        out.setdefault("fa_rules", {})[g] = sorted({f["rule"] for f in fa})
    return out


def pyod_speed(rows: int = 1_000_000) -> float:
    import numpy as np
    import pandas as pd

    from scanner.anomaly.hourly import FEATURES
    from scanner.anomaly.scoring import score, select
    from scanner.anomaly.settings import Scoring

    rng = np.random.default_rng(1)
    data = {f: rng.gamma(2.0, 3.0, rows).round() for f in FEATURES}
    data["error_rate"] = rng.beta(1, 20, rows)
    data["hour_rarity"] = rng.beta(1, 5, rows)
    df = pd.DataFrame(data)
    df.insert(0, "principal", pd.Categorical(rng.integers(0, 40_000, rows).astype(str)))
    df.insert(1, "hour", rng.integers(490_000, 490_000 + 24 * 30, rows))
    t0 = time.perf_counter()
    scored = score(df, Scoring())
    select(scored, Scoring())
    return time.perf_counter() - t0


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=20260907, help="generator seed (timings and attacks move with it)")
    ap.add_argument("--no-speed", action="store_true", help="skip the 1M-row pyod timing")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="aw-anomaly-eval-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        attacks = _write(root, args.seed)
        state, scan_out, anom_out = root / "state.sqlite", root / "scan.jsonl", root / "anomaly.jsonl"
        _cli("baseline", str(root / "base"), "--state", str(state))
        _cli("scan", str(root / "eval"), "--state", str(state), "--output", str(scan_out))
        _cli("anomaly", str(root / "eval"), "--state", str(state), "--output", str(anom_out))
        scanned = _read(scan_out)
        found = {"rules": [f for f in scanned if not f["rule"].startswith("anomaly.")],
                 "novelty": [f for f in scanned if f["rule"].startswith("anomaly.")],
                 "pyod": _read(anom_out)}
        pipeline_s = time.perf_counter() - t0
    res = evaluate(found, attacks)
    print(f"seed {args.seed}: {BASELINE_DAYS} baseline days, {EVAL_DAYS} evaluation days, "
          f"{len(attacks)} injected techniques (pipeline {pipeline_s:.1f}s)")
    print(f"{'technique':58} {'mode':6} {'net':5} " + " ".join(f"{g:>8}" for g in GROUPS))
    for r in res["per_technique"]:
        print(f"{r['technique']:58} {r['mode']:6} {r['network']:5} " + " ".join(f"{r[g]:>8}" for g in GROUPS))
    for k in ("1h", "24h"):
        print(f"{'detected within ' + k:70} " + " ".join(f"{res['rate'][g][k]:>8.0%}" for g in GROUPS))
    print(f"{'false alarms per day':70} " + " ".join(f"{res['false_alarms'][g]:>8.2f}" for g in GROUPS))
    for g in GROUPS[:3]:
        if res["fa_rules"][g]:
            print(f"  false alarms ({g}): {', '.join(res['fa_rules'][g])}")
    secs = 0.0 if args.no_speed else pyod_speed()
    import os

    if not args.no_speed:
        print(f"pyod scoring of 1,000,000 principal-hour rows: {secs:.1f}s (imports included; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    ok = res["rate"]["combined"]["24h"] >= 0.8 and res["false_alarms"]["combined"] <= 2 and secs < 60
    print("budget:", "met" if ok else "MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
