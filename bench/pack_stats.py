"""Rules per cloud and rule-test cases of the pack importable as `scanner` (prints one JSON object).

Run with PYTHONPATH pointing at an exported revision to count that revision's pack.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson


def stats() -> dict[str, Any]:
    import scanner
    from scanner.detect.rules import load_rules

    rules: list[Any] = list(load_rules())
    bursts: list[Any] = []
    if (Path(scanner.__file__).parent / "bursts").is_dir():  # older revisions had no burst detector
        from scanner.bursts.rules import load_burst_rules

        bursts = list(load_burst_rules())
    every = [*rules, *bursts]
    per_cloud = dict(sorted(Counter(r.cloud for r in every).items()))
    return {"rules": len(rules), "bursts": len(bursts), "per_cloud": per_cloud,
            "cases": sum(len(r.tests) for r in every)}


if __name__ == "__main__":
    print(orjson.dumps(stats()).decode())
