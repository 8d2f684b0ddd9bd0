"""Nightly multivariate scoring of principal-hours: pandas frames, a pyod ensemble, an alert budget.

Each scorer's raw outlier scores are turned into percentile ranks and averaged, so no scorer's scale
dominates. pyod's `contamination` (and the labels it derives from it) is never used: how many rows
become findings is decided by the configured budget — at most `top_k_per_day` rows per UTC day, and
only rows whose combined rank is at or above `min_quantile`. Seeds are fixed: same input, same findings.

Heavy imports (pandas, numpy, pyod) live here only; the event path never imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scanner.anomaly.hourly import FEATURES, HOUR, HourRow
from scanner.anomaly.settings import Scoring
from scanner.model.finding import Finding, fingerprint
from scanner.timeutil import rfc3339

#: features whose raw magnitude spans orders (calls, resources) are scored on a log scale
_LOG = ("events", "distinct_ops", "distinct_resources", "denied", "sensitive_calls")


def frame(rows: Sequence[HourRow]) -> pd.DataFrame:
    cols = list(FEATURES)
    data = np.array([r.values() for r in rows], dtype=np.float64).reshape(len(rows), len(cols))
    df = pd.DataFrame(data, columns=cols)
    df.insert(0, "principal", pd.Categorical([r.principal for r in rows]))
    df.insert(1, "hour", np.array([r.hour for r in rows], dtype=np.int64))
    return df


def _matrix(df: pd.DataFrame) -> Any:
    x = df[list(FEATURES)].to_numpy(dtype=np.float64, copy=True)
    for i, name in enumerate(FEATURES):
        if name in _LOG:
            x[:, i] = np.log1p(x[:, i])
    return x


def _scorer(name: str, cfg: Scoring, rows: int) -> Any:
    if name == "iforest":
        from pyod.models.iforest import IForest

        return IForest(n_estimators=cfg.trees, max_samples=min(256, rows), random_state=cfg.seed)
    if name == "ecod":
        from pyod.models.ecod import ECOD

        return ECOD()
    from pyod.models.hbos import HBOS

    return HBOS()


def score(df: pd.DataFrame, cfg: Scoring) -> pd.DataFrame:
    """Adds one rank column per scorer and `score`, their mean (0..1, higher = more unusual)."""
    out = df.copy()
    if len(df) < 2:
        out["score"] = 0.0
        return out
    x = _matrix(df)
    rng = np.random.default_rng(cfg.seed)
    sample = x[rng.choice(len(x), cfg.fit_rows, replace=False)] if len(x) > cfg.fit_rows else x
    ranks = []
    for name in cfg.detectors:
        if name == "iforest":
            # trees see 256 rows each anyway: fit on a seeded sample, then score every row once
            model = _scorer(name, cfg, len(sample))
            model.fit(sample)
            raw = model.decision_scores_ if sample is x else model.decision_function(x)
        else:
            # ECOD / HBOS are a pass over each column: fit on every row and keep its scores (their
            # decision_function on new rows refits on old + new, twice the work)
            model = _scorer(name, cfg, len(x))
            model.fit(x)
            raw = model.decision_scores_
        col = pd.Series(np.asarray(raw, dtype=np.float64)).rank(pct=True).to_numpy()
        out[f"rank_{name}"] = col
        ranks.append(col)
    out["score"] = np.mean(ranks, axis=0)
    return out


def select(scored: pd.DataFrame, cfg: Scoring) -> pd.DataFrame:
    """The alert budget: rows at or above the quantile, at most top_k per UTC day, best first."""
    if scored.empty or cfg.top_k_per_day == 0:
        return scored.iloc[0:0]
    floor = float(scored["score"].quantile(cfg.min_quantile))
    cand = scored[scored["score"] >= floor].copy()
    cand["day"] = cand["hour"] // 24
    cand = cand.sort_values(["day", "score"], ascending=[True, False], kind="stable")
    return cand.groupby("day", sort=True).head(cfg.top_k_per_day).drop(columns="day")


def usual_values(scored: pd.DataFrame, principals: Sequence[str]) -> pd.DataFrame:
    """Per principal, the median of each feature over its hours: what is normal for it."""
    sub = scored[scored["principal"].isin(list(principals))]
    return sub.groupby("principal", observed=True)[list(FEATURES)].median()


def explain(row: pd.Series, usual: pd.Series, spread: pd.Series, top: int) -> list[dict[str, Any]]:
    """The features furthest above this principal's usual, in units of the feature's spread."""
    dev = {f: (float(row[f]) - float(usual[f])) / (float(spread[f]) or 1.0) for f in FEATURES}
    best = sorted((f for f in dev if dev[f] > 0), key=lambda f: -dev[f])[:top]
    return [{"feature": f, "value": round(float(row[f]), 3), "usual": round(float(usual[f]), 3),
             "meaning": FEATURES[f]} for f in best]


def findings(rows: Sequence[HourRow], cfg: Scoring) -> list[Finding]:
    if not rows:
        return []
    df = frame(rows)
    scored = score(df, cfg)
    flagged = select(scored, cfg)
    if flagged.empty:
        return []
    usual = usual_values(scored, flagged["principal"].unique().tolist())
    spread = scored[list(FEATURES)].std().replace(0.0, 1.0)
    out: list[Finding] = []
    for idx, r in flagged.iterrows():
        src = rows[int(idx)]
        cloud, account, principal = src.principal.split("|", 2)
        drivers = explain(r, usual.loc[src.principal], spread, cfg.explain_features)
        ranks = {c.removeprefix("rank_"): round(float(r[c]), 4) for c in scored.columns if c.startswith("rank_")}
        out.append(Finding(
            id=fingerprint("anomaly.principal_hour", src.principal, str(src.hour)),
            rule="anomaly.principal_hour", title="Unusual hour of activity for this principal (multivariate)",
            severity="medium", category="anomaly", cloud=cloud, account=account, principal=principal,
            action=sorted(src.ops)[0] if len(src.ops) == 1 else f"{len(src.ops)} operations",
            resource="", time=rfc3339(src.hour * HOUR), event_ids=tuple(src.event_ids),
            evidence={"score": round(float(r["score"]), 4), "ranks": ranks, "drivers": drivers,
                      "hour": rfc3339(src.hour * HOUR), "events": src.events,
                      "new_operations": sorted(src.new_ops)[:10]},
            remediation="Review this hour of the principal's activity (event_ids) with its owner."))
    return out
