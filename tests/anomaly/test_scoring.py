"""The alert budget decides how many principal-hours become findings — never pyod's contamination."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scanner.anomaly.hourly import FEATURES, HourRow
from scanner.anomaly.scoring import findings, score, select
from scanner.anomaly.settings import Scoring

DAY_HOURS = 24


def _rows(days: int, principals: int, seed: int = 0) -> list[HourRow]:
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        for p in range(principals):
            for h in range(8, 18):
                r = HourRow(f"aws|111122223333|arn:aws:iam::111122223333:role/r{p}", 490_000 + d * DAY_HOURS + h)
                r.events = int(rng.integers(5, 15))
                r.ops = {f"ec2:Describe{i}" for i in range(int(rng.integers(2, 4)))}
                r.families = {"ec2"}
                rows.append(r)
    return rows


def test_top_k_per_day_caps_findings_and_quiet_weeks_stay_under_it() -> None:
    rows = _rows(days=10, principals=20)
    # one hour on day 4 is the attack: a new principal's burst of secret reads from a new network
    bad = rows[4 * 200 + 37]
    bad.events, bad.sensitive, bad.new_nets, bad.new_ops = 60, 40, {"185.220.101.0/24"}, {"secretsmanager:Get"}
    bad.resources = {f"s{i}" for i in range(40)}
    found = findings(rows, Scoring(top_k_per_day=1, min_quantile=0.99))
    days = [f.time[:10] for f in found]
    assert len(days) == len(set(days)) <= 10  # at most one per day
    hit = [f for f in found if f.evidence["events"] == 60]
    assert len(hit) == 1 and hit[0].principal.endswith("role/r3") and hit[0].rule == "anomaly.principal_hour"
    drivers = [d["feature"] for d in hit[0].evidence["drivers"]]
    assert "sensitive_calls" in drivers and all(d["value"] > d["usual"] for d in hit[0].evidence["drivers"])
    assert found == findings(rows, Scoring(top_k_per_day=1, min_quantile=0.99))  # fixed seeds


def test_the_quantile_floor_and_a_zero_budget() -> None:
    df = pd.DataFrame({f: np.arange(1000, dtype=float) for f in FEATURES})
    df.insert(0, "principal", pd.Categorical(["p"] * 1000))
    df.insert(1, "hour", np.arange(1000) // 10 * 24)  # ten rows a day for 100 days
    scored = score(df, Scoring())
    picked = select(scored, Scoring(top_k_per_day=5, min_quantile=0.99))
    floor = scored["score"].quantile(0.99)
    assert 0 < len(picked) <= 10 and (picked["score"] >= floor).all()  # only the top 1 % qualify
    assert (picked.groupby(picked["hour"] // 24).size() <= 5).all()
    assert len(select(scored, Scoring(top_k_per_day=1, min_quantile=0.0))) == 100  # one a day, every day
    assert select(scored, Scoring(top_k_per_day=0)).empty
