"""Scan throughput next to the floor (gunzip + orjson.loads of the same files), in one run.

    .venv/bin/python bench/scan_bench.py [--aws N] [--gcp N]

Budget (issue 2): single-process scan >= 0.4x the floor, peak memory < 600 MB, --jobs 2 faster than 1.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.workload import generate

ROOT = Path(__file__).resolve().parent.parent
AUDITWARDEN = str(Path(sys.executable).parent / "auditwarden")


def floor(files: list[Path]) -> tuple[int, float]:
    """The least any scanner must do: decompress and parse every record."""
    t0 = time.perf_counter()
    n = 0
    for p in files:
        data = gzip.decompress(p.read_bytes())
        if data.lstrip()[:1] == b"{" and b"\n" in data.rstrip(b"\n"):
            for line in data.splitlines():
                if line.strip():
                    orjson.loads(line)
                    n += 1
        else:
            n += len(orjson.loads(data)["Records"])
    return n, time.perf_counter() - t0


def run_scan(workdir: Path, jobs: int) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the scan process, and its summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [AUDITWARDEN, "scan", str(workdir), "--format", "jsonl", "--output", os.devnull, "--jobs", str(jobs),
         "--log-format", "json", "--no-progress"],
        capture_output=True, text=True, check=False,
    )
    secs = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = orjson.loads(proc.stderr.strip().splitlines()[-1])
    return secs, max(peak, before), f"records={summary['records']} findings={summary['findings']}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--aws", type=int, default=200_000)
    ap.add_argument("--gcp", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scan")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the best time of each is reported")
    args = ap.parse_args()
    files = generate(args.out, args.aws, args.gcp)
    total_bytes = sum(p.stat().st_size for p in files)
    print(f"workload: {len(files)} gzip files, {total_bytes / 1e6:.1f} MB compressed, {args.aws + args.gcp} records")
    # Rounds interleave floor and scans so a busy machine slows both alike; best of each is kept.
    best: dict[str, float] = {}
    runs: dict[int, tuple[int, str]] = {}
    n = 0
    for _ in range(max(1, args.repeat)):
        n, floor_s = floor(files)
        best["floor"] = min(best.get("floor", floor_s), floor_s)
        for jobs in (1, 2):
            secs, peak_kib, summary = run_scan(args.out, jobs)
            best[f"j{jobs}"] = min(best.get(f"j{jobs}", secs), secs)
            runs[jobs] = (peak_kib, summary)
    floor_rate = n / best["floor"]
    print(f"floor   (gunzip + orjson.loads):      {floor_rate:>10,.0f} records/s  ({best['floor']:.2f}s)")
    results = {}
    for jobs in (1, 2):
        secs = best[f"j{jobs}"]
        peak_kib, summary = runs[jobs]
        rate = n / secs
        results[jobs] = rate
        print(f"scan    --jobs {jobs} (wall, incl. start-up): {rate:>10,.0f} records/s  ({secs:.2f}s)  "
              f"ratio {rate / floor_rate:.2f}x floor  peak RSS {peak_kib / 1024:.0f} MB  [{summary}]")
    ok = results[1] / floor_rate >= 0.4 and results[2] > results[1]
    print(f"budget: single-process >= 0.4x floor, --jobs 2 faster than 1, peak < 600 MB -> "
          f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
