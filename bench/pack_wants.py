"""Which bundled samples the pack importable as `scanner` wants (prints one JSON list of booleans, in
`bench.workload.sample_records()` order: AWS samples, then GCP samples).

Run with PYTHONPATH = an exported revision, then this checkout (for `bench`), to ask that revision's
pack; pack_bench.py uses it to find the samples whose relevance a larger pack did not change.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

sys.path.append(str(Path(__file__).resolve().parent.parent))  # `bench`, after the revision's `scanner`
from bench.workload import CLOUDTRAIL, GCP_LOGENTRY, sample_records, wanted_by_pack


def main() -> None:
    aws, gcp = sample_records()
    sys.stdout.buffer.write(orjson.dumps([*wanted_by_pack(aws, CLOUDTRAIL), *wanted_by_pack(gcp, GCP_LOGENTRY)]))


if __name__ == "__main__":
    main()
