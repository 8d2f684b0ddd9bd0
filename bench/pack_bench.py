"""What the rule pack costs: the same code scanning the same workload with an older pack and with this one.

    .venv/bin/python bench/pack_bench.py [--baseline REV] [--aws N] [--gcp N] [--repeat R]

The older pack is `rules/` of git revision REV (default: 581353e, the 36-rule day-one pack) next to a
copy of this tree's `scanner/`, so only the pack differs. Reported: rules per cloud and rule-test cases
of both packs, and the scan's CPU seconds (user + system) on both workloads of scan_bench.py: "busy"
(bundled samples drawn uniformly, mostly attacks) and "quiet" (a realistic trail, one record in a hundred
wanted by a detector of this pack), best of R interleaved rounds. CPU time rather than wall time: on a
shared machine wall time swings with the neighbours' load.

A third workload, "steady", draws like busy but only from the samples whose relevance the larger pack
did not change (wanted by both packs, or by neither): what it costs more is what more rules cost on the
same records (index, early checks, more rules judging one operation), not the detection work on records
the older pack ignored. That is the issue's "the index must keep per-event cost flat as the pack grows".

Budget (issue 13): at most 10% more CPU than with the baseline pack on "quiet" and "steady" (see BUDGETED).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.revision import archive
from bench.workload import generate

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "581353e"
#: The workloads the issue-13 budget (at most 10% more) applies to: the realistic trail, and the busy
#: draw limited to records whose relevance did not change (per-event cost as the pack grows). Busy itself
#: is mostly attack samples: a larger pack rightly reads more of them.
BUDGETED = ("quiet", "steady")


def export_pack(rev: str, dest: Path) -> Path:
    """This tree's scanner package with `rules/` as it was at `rev`."""
    archive(rev, dest, "rules")
    shutil.copytree(ROOT / "scanner", dest / "scanner", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _env(tree: Path) -> dict[str, str]:
    # byte code cached in both trees, as an install has it: with PYTHONDONTWRITEBYTECODE (this machine sets
    # it) the exported baseline, a fresh copy, recompiled every module at every scan while this checkout
    # used its __pycache__, which flattered the current pack by about 0.2 CPU s a scan
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(tree)}


def pack_summary(tree: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("pack_stats.py"))], capture_output=True,
                         text=True, check=True, cwd=tree, env=_env(tree)).stdout
    return dict(orjson.loads(out))


def scan_cpu(workdir: Path, tree: Path) -> tuple[float, str]:
    """CPU seconds of one `scan --jobs 1` with the code and pack in `tree`, and its summary."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(workdir), "--format", "jsonl", "--output",
                           os.devnull, "--jobs", "1", "--log-format", "json", "--no-progress"],
                          capture_output=True, text=True, check=False, cwd=tree, env=_env(tree))
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = orjson.loads(proc.stderr.strip().splitlines()[-1])
    findings = sum(summary["findings"].values())
    return cpu, f"records={summary['records']} events={summary['events_normalized']} findings={findings}"


def wants(tree: Path) -> list[bool | None]:
    """Per bundled sample: whether the pack in `tree` wants it (bench/pack_wants.py run against it)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("pack_wants.py"))], capture_output=True,
                         check=True, cwd=tree, env=env).stdout
    return list(orjson.loads(out))


def _describe(d: dict[str, object]) -> str:
    per_cloud = d["per_cloud"]
    clouds = ", ".join(f"{k} {v}" for k, v in per_cloud.items()) if isinstance(per_cloud, dict) else ""
    total = int(str(d["rules"])) + int(str(d["bursts"]))
    return f"{total} rules ({clouds}; {d['bursts']} burst rules), {d['cases']} test cases"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--baseline", default=os.environ.get("BENCH_BASELINE", BASELINE))
    ap.add_argument("--aws", type=int, default=200_000)
    ap.add_argument("--gcp", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "scan")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    trees = ("base", "now")
    summaries: dict[tuple[str, str], str] = {}
    with tempfile.TemporaryDirectory(prefix="aw-pack-") as scratch:
        base = export_pack(args.baseline, Path(scratch))
        print(f"pack {args.baseline}: {_describe(pack_summary(base))}")
        print(f"pack now:     {_describe(pack_summary(ROOT))}")
        steady_keep = [a is not None and a == b for a, b in zip(wants(base), wants(ROOT), strict=True)]
        steady = args.out.with_name(f"{args.out.name}-steady")
        print(f"steady: {sum(steady_keep)} of {len(steady_keep)} sample shapes kept (relevance unchanged)")
        workloads = {"busy": (args.out, generate(args.out, args.aws, args.gcp)),
                     "quiet": (args.out.with_name(f"{args.out.name}-quiet"),
                               generate(args.out.with_name(f"{args.out.name}-quiet"), args.aws, args.gcp,
                                        interesting_share=0.01)),
                     "steady": (steady, generate(steady, args.aws, args.gcp, keep=steady_keep))}
        best = {(w, t): float("inf") for w in workloads for t in trees}
        for tree in (base, ROOT):  # warm: byte code written, the pack's parsed YAML cached
            scan_cpu(workloads["quiet"][0], tree)
        for _ in range(max(1, args.repeat)):
            for w, (workdir, _files) in workloads.items():
                for t, tree in zip(trees, (base, ROOT), strict=True):
                    cpu, summaries[(w, t)] = scan_cpu(workdir, tree)
                    best[(w, t)] = min(best[(w, t)], cpu)
    n = args.aws + args.gcp
    verdicts: list[str] = []
    for w in workloads:
        if w == "steady":
            print("(steady: the larger pack's cost on records whose relevance it did not change)")
        print(f"== {w}")
        for t, label in zip(trees, (f"pack {args.baseline}", "pack now"), strict=True):
            print(f"scan --jobs 1, {label:>16}: {best[(w, t)]:6.2f} CPU s  {n / best[(w, t)]:>9,.0f} records per CPU s"
                  f"  [{summaries[(w, t)]}]")
        more = (best[(w, "now")] - best[(w, "base")]) / best[(w, "base")] * 100
        print(f"{w}: {more:+.1f}% CPU against pack {args.baseline}")
        if w in BUDGETED:
            verdicts.append(f"{w} {'met' if more <= 10 else 'NOT met'}")
    print(f"budget: at most 10% more CPU than pack {args.baseline} on the {' and '.join(BUDGETED)} workloads -> "
          f"{', '.join(verdicts)} (busy is reported, not budgeted: what it adds is detection work on attack "
          "records the older pack ignored)")


if __name__ == "__main__":
    main()
