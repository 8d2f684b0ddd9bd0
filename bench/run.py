"""`make bench`: every benchmark, one after the other, figures on stdout.

    .venv/bin/python bench/run.py    # scan throughput, rule-pack cost, secrets accuracy and speed,
                                     # Lambda latency, report vs Cloudsplaining, anomaly evaluation
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    rc = 0
    benches = (("scan_bench.py", []), ("pack_bench.py", []), ("secrets_bench.py", ["--try-repo"]),
               ("lambda_bench.py", []), ("report_bench.py", []), ("anomaly_eval.py", []))
    for script, args in benches:
        print(f"\n=== bench/{script} {' '.join(args)}".rstrip(), flush=True)
        rc |= subprocess.run([sys.executable, str(HERE / script), *args], check=False).returncode
    return rc


if __name__ == "__main__":
    sys.exit(main())
