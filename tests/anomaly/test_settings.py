"""The anomaly section: every bound is configuration, and a typo names its file and line."""

from __future__ import annotations

import pytest

from scanner.anomaly.settings import Nightly, anomaly_nightly, anomaly_settings, without_learning
from scanner.detectors import parse_settings
from scanner.yamlio import YamlError


def test_values_are_read_and_defaults_fill_the_rest() -> None:
    cfg = parse_settings("anomaly:\n  min_history_days: 3\n  limits: {max_principals: 500}\n"
                         "  novelty: {weights: {new_region: 0}}\n"
                         "  scoring: {top_k_per_day: 2, detectors: [iforest, hbos]}\n",
                         "a.yaml")
    s = anomaly_settings(cfg)
    assert s.min_history_days == 3 and s.limits.max_principals == 500 and s.limits.values_per_field == 64
    assert s.weights["new_region"] == 0 and s.weights["new_sensitive_api"] == 1.0
    assert s.scoring.top_k_per_day == 2 and s.scoring.detectors == ("iforest", "hbos")
    assert anomaly_settings(without_learning(cfg)).learn is False and s.learn is True


@pytest.mark.parametrize(("text", "line", "words"), [
    ("anomaly:\n  limits:\n    max_principal: 5\n", 3, "unknown key 'max_principal'"),
    ("anomaly:\n  min_history_days: -1\n", 2, "min_history_days"),
    ("anomaly:\n  novelty:\n    weights: {new_thing: 1}\n", 3, "new_thing"),
    ("anomaly:\n  scoring:\n    detectors: [ecod]\n", 3, "iforest"),
    ("anomaly:\n  scoring:\n    min_quantile: 2\n", 3, "min_quantile"),
    ("anomaly:\n  nightly:\n    logs: s3://trail/AWSLogs/\n", 3, "nightly.logs must be a list"),
    ("anomaly:\n  nightly:\n    logs: [gs://b/x]\n", 3, "gs://"),
    ("anomaly:\n  nightly:\n    days: 0\n", 3, "days"),
    ("anomaly:\n  nightly:\n    log: []\n", 3, "unknown key 'log'"),
])
def test_mistakes_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(YamlError) as e:
        parse_settings(text, "a.yaml")
    assert e.value.line == line and words in str(e.value) and "a.yaml" in str(e.value)


def test_nightly_logs_and_window() -> None:
    cfg = parse_settings("anomaly:\n  nightly: {logs: [s3://trail/AWSLogs/, /var/trail], days: 2}\n", "a.yaml")
    assert anomaly_nightly(cfg) == Nightly(("s3://trail/AWSLogs/", "/var/trail"), 2.0)
    assert anomaly_nightly(parse_settings("anomaly: {}\n", "a.yaml")) == Nightly((), 1.0)
