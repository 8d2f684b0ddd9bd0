"""The `anomaly:` config section: every bound, weight and budget of baselines, novelty and scoring.

```yaml
anomaly:
  min_history_days: 7          # hold pure-novelty findings until a principal has this much history
  learn: true                  # scan --state keeps updating baselines
  geoip: {country: /path/GeoLite2-Country.mmdb, asn: /path/GeoLite2-ASN.mmdb}   # optional
  limits: {values_per_field: 64, max_principals: 20000, cache_principals: 4096,
           value_ttl_days: 90, profile_ttl_days: 180, index_shards: 64}
  novelty: {alert_score: 1.0, high_score: 2.0, off_hours_share: 0.01, weights: {new_sensitive_api: 1.0, ...}}
  bursts: {window_minutes: 10, access_denied: 20, distinct_secrets: 10}
  scoring: {top_k_per_day: 1, min_quantile: 0.99, detectors: [iforest, ecod], seed: 7,
            explain_features: 3}
  nightly: {logs: [s3://trail-bucket/AWSLogs/], days: 1}   # what the nightly invocation scores
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from scanner.config import Config, check_keys, number, section
from scanner.yamlio import LineDict, YamlError

#: signal → weight. An event alerts when its summed weights reach `alert_score`.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "long_term_key_new_network": 1.0,
    "new_sensitive_api": 1.0,
    "new_api_family": 0.6,
    "new_network": 0.3,
    "new_agent": 0.3,
    "new_region": 0.3,
    "new_origin": 0.5,
    "new_operation": 0.2,
    "console_login_new_location": 1.0,
    "instance_credentials_new_network": 1.0,
    "off_hours": 0.2,
})
SCORERS = ("iforest", "ecod", "hbos")


@dataclass(frozen=True, slots=True)
class Limits:
    values_per_field: int = 64
    max_principals: int = 20_000
    cache_principals: int = 4_096
    value_ttl_days: int = 90
    profile_ttl_days: int = 180
    index_shards: int = 64  # the principal index is split so each part fits a DynamoDB item


@dataclass(frozen=True, slots=True)
class Scoring:
    top_k_per_day: int = 1
    min_quantile: float = 0.99
    detectors: tuple[str, ...] = ("iforest", "ecod")
    seed: int = 7
    explain_features: int = 3
    trees: int = 100  # IForest estimators: scoring time grows with them
    #: IForest fits on a seeded sample of at most this many rows, then scores all of them
    fit_rows: int = 20_000


@dataclass(frozen=True, slots=True)
class AnomalySettings:
    min_history_days: float = 7.0
    learn: bool = True
    geoip_country: str = ""
    geoip_asn: str = ""
    limits: Limits = field(default_factory=Limits)
    alert_score: float = 1.0
    high_score: float = 2.0  # a novelty score this high is a high-severity finding (else medium)
    weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)
    #: a value seen on fewer than this share of the principal's events still counts as usual once seen;
    #: off-hours = an hour of day holding less than this share of the principal's activity
    off_hours_share: float = 0.01
    burst_window_minutes: float = 10.0
    burst_access_denied: int = 20
    burst_distinct_secrets: int = 10
    scoring: Scoring = field(default_factory=Scoring)


def _num(doc: LineDict, key: str, path: str, default: float, lo: float, hi: float | None = None) -> float:
    return float(number(doc, key, path, default, lo, hi, integer=False, where="anomaly"))


def _int(doc: LineDict, key: str, path: str, default: int, lo: int = 1) -> int:
    return int(number(doc, key, path, default, lo, where="anomaly"))


def _str(doc: LineDict, key: str, path: str) -> str:
    v = doc.get(key, "")
    if not isinstance(v, str):
        raise YamlError(path, doc.line_of(key), f"anomaly: {key} must be a path")
    return v


def anomaly_settings(config: Config) -> AnomalySettings:
    path = config.source
    doc = section(config.raw, "anomaly", path)
    check_keys(doc, ("min_history_days", "learn", "geoip", "limits", "novelty", "bursts", "scoring", "nightly"),
               path, "anomaly")
    learn = doc.get("learn", True)
    if not isinstance(learn, bool):
        raise YamlError(path, doc.line_of("learn"), "anomaly: learn must be true or false")
    geo = section(doc, "geoip", path, "anomaly.geoip")
    check_keys(geo, ("country", "asn"), path, "anomaly.geoip")
    lim = section(doc, "limits", path, "anomaly.limits")
    check_keys(lim, tuple(Limits.__dataclass_fields__), path, "anomaly.limits")
    limits = Limits(**{k: _int(lim, k, path, getattr(Limits(), k)) for k in Limits.__dataclass_fields__})
    nov = section(doc, "novelty", path, "anomaly.novelty")
    check_keys(nov, ("alert_score", "high_score", "weights", "off_hours_share"), path, "anomaly.novelty")
    wdoc = section(nov, "weights", path, "anomaly.novelty.weights")
    check_keys(wdoc, tuple(DEFAULT_WEIGHTS), path, "anomaly.novelty.weights")
    weights = dict(DEFAULT_WEIGHTS)
    weights.update({k: _num(wdoc, k, path, DEFAULT_WEIGHTS[k], 0.0) for k in wdoc})
    bursts = section(doc, "bursts", path, "anomaly.bursts")
    check_keys(bursts, ("window_minutes", "access_denied", "distinct_secrets"), path, "anomaly.bursts")
    return AnomalySettings(
        min_history_days=_num(doc, "min_history_days", path, 7.0, 0.0),
        learn=learn,
        geoip_country=_str(geo, "country", path),
        geoip_asn=_str(geo, "asn", path),
        limits=limits,
        alert_score=_num(nov, "alert_score", path, 1.0, 0.0),
        high_score=_num(nov, "high_score", path, 2.0, 0.0),
        weights=MappingProxyType(weights),
        off_hours_share=_num(nov, "off_hours_share", path, 0.01, 0.0, 1.0),
        burst_window_minutes=_num(bursts, "window_minutes", path, 10.0, 0.1),
        burst_access_denied=_int(bursts, "access_denied", path, 20),
        burst_distinct_secrets=_int(bursts, "distinct_secrets", path, 10),
        scoring=_scoring(section(doc, "scoring", path, "anomaly.scoring"), path),
    )


def _scoring(doc: LineDict, path: str) -> Scoring:
    check_keys(doc, tuple(Scoring.__dataclass_fields__), path, "anomaly.scoring")
    dets: Any = doc.get("detectors", list(Scoring().detectors))
    if (not isinstance(dets, list) or not dets or "iforest" not in dets
            or any(d not in SCORERS for d in dets) or len(set(dets)) != len(dets)):
        raise YamlError(path, doc.line_of("detectors"),
                        f"anomaly.scoring.detectors: iforest plus any of {', '.join(SCORERS[1:])}")
    return Scoring(
        top_k_per_day=_int(doc, "top_k_per_day", path, 1, 0),
        min_quantile=_num(doc, "min_quantile", path, 0.99, 0.0, 1.0),
        detectors=tuple(dets),
        seed=_int(doc, "seed", path, 7, 0),
        explain_features=_int(doc, "explain_features", path, 3),
        fit_rows=_int(doc, "fit_rows", path, 20_000, 256),
        trees=_int(doc, "trees", path, 100),
    )


@dataclass(frozen=True, slots=True)
class Nightly:
    logs: tuple[str, ...] = ()
    days: float = 1.0


def anomaly_nightly(config: Config) -> Nightly:
    """`anomaly.nightly`: the logs the nightly invocation scores, and how many days back from now."""
    path = config.source
    doc = section(section(config.raw, "anomaly", path), "nightly", path, "anomaly.nightly")
    check_keys(doc, ("logs", "days"), path, "anomaly.nightly")
    logs = doc.get("logs", [])
    if (not isinstance(logs, list) or not all(isinstance(x, str) and x for x in logs)
            or any(x.startswith("gs://") for x in logs)):
        raise YamlError(path, doc.line_of("logs"),
                        "anomaly: nightly.logs must be a list of s3:// URLs or local paths (gs:// is not read yet)")
    return Nightly(tuple(logs), _num(doc, "days", path, 1.0, 0.01))


def without_learning(config: Config) -> Config:
    """The same configuration with `anomaly.learn: false` (`scan --no-learn`)."""
    from dataclasses import replace

    raw = LineDict(config.raw)
    raw.line = getattr(config.raw, "line", 0)
    raw.key_lines = dict(getattr(config.raw, "key_lines", {}))
    old = config.raw.get("anomaly")
    node = LineDict(old if isinstance(old, LineDict) else {})
    node.line = getattr(old, "line", 0)
    node.key_lines = dict(getattr(old, "key_lines", {}))
    node["learn"] = False
    raw["anomaly"] = node
    return replace(config, raw=raw)
