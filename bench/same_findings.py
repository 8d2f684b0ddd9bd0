"""Whether this tree finds exactly what another revision finds, on the bench workloads.

    .venv/bin/python bench/same_findings.py [--rev REV] [--workload DIR ...]

An engine change that makes the scan cheaper (early checks, decoding less) must not change a single
finding. This scans each workload (default: the two of pack_bench.py, which must exist) with the
scanner and rules of git revision REV (default: main) and with this tree, with `--jobs 1` and
`--jobs 2` and with selective decoding on and off (AUDITWARDEN_SELECTIVE_DECODING=0), and compares the
findings as sorted JSON lines. Exit status 1 on any difference, naming the first differing line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.revision import ROOT, archive

#: (label, scan arguments, extra environment)
RUNS = (
    ("--jobs 1", ["--jobs", "1"], {}),
    ("--jobs 2", ["--jobs", "2"], {}),
    ("--jobs 1, selective decoding off", ["--jobs", "1"], {"AUDITWARDEN_SELECTIVE_DECODING": "0"}),
)


def findings(tree: Path, workload: Path, args: list[str], env: dict[str, str]) -> list[bytes]:
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
        proc = subprocess.run([sys.executable, "-m", "scanner", "scan", str(workload), "--format", "jsonl",
                               "--output", out.name, "--no-progress", "--log-format", "json", *args],
                              capture_output=True, check=False, cwd=tree,
                              env={**os.environ, **env, "PYTHONPATH": str(tree)})
        if proc.returncode not in (0, 1):
            raise SystemExit(f"scan failed in {tree} ({proc.returncode}): {proc.stderr[-2000:]!r}")
        return sorted(Path(out.name).read_bytes().splitlines())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rev", default="main")
    ap.add_argument("--workload", type=Path, action="append")
    args = ap.parse_args()
    workloads = args.workload or [ROOT / "bench" / "out" / "scan", ROOT / "bench" / "out" / "scan-quiet"]
    same = True
    with tempfile.TemporaryDirectory(prefix="aw-same-") as scratch:
        ref = archive(args.rev, Path(scratch), "scanner", "rules")  # that revision's code and pack
        for w in workloads:
            if not w.is_dir():
                raise SystemExit(f"no workload {w}: run bench/pack_bench.py (or scan_bench.py) first")
            for label, scan_args, env in RUNS:
                theirs, ours = findings(ref, w, scan_args, env), findings(ROOT, w, scan_args, env)
                if theirs == ours:
                    print(f"{w.name}, {label}: {len(ours)} findings, identical to {args.rev}")
                    continue
                same = False
                first = next((i for i, (a, b) in enumerate(zip(theirs, ours, strict=False)) if a != b),
                             min(len(theirs), len(ours)))
                print(f"{w.name}, {label}: DIFFERENT from {args.rev} ({len(theirs)} vs {len(ours)} findings);"
                      f" first difference at sorted line {first}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
