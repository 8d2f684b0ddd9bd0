"""`report.nightly`: what the nightly invocation reports on; a mistake names its file and line."""

from __future__ import annotations

import pytest

from scanner.detectors import parse_settings
from scanner.report.settings import NightlySettings, report_nightly, report_settings
from scanner.yamlio import YamlError


def test_nightly_is_read_beside_the_thresholds() -> None:
    cfg = parse_settings("report:\n  usage_days: 30\n  nightly:\n    aws: true\n    gcp_projects: [acme-prod]\n"
                         "    logs: [s3://trail/AWSLogs/]\n    days: 7\n    out: s3://reports/aw\n", "c.yaml")
    assert report_settings(cfg).usage_days == 30
    assert report_nightly(cfg) == NightlySettings(True, ("acme-prod",), ("s3://trail/AWSLogs/",), 7, "s3://reports/aw")
    assert report_nightly(parse_settings("report: {usage_days: 5}\n", "c.yaml")) == NightlySettings()


@pytest.mark.parametrize(("text", "line", "words"), [
    ("report:\n  nightly:\n    aws: yes please\n", 3, "aws must be true or false"),
    ("report:\n  nightly:\n    days: 0\n", 3, "days"),
    ("report:\n  nightly:\n    out: [s3://x]\n", 3, "out must be"),
    ("report:\n  nightly:\n    out: gs://reports/x\n", 3, "gs://"),
    ("report:\n  nightly:\n    logs: s3://trail\n", 3, "logs must be a list"),
    ("report:\n  nightly:\n    bucket: x\n", 3, "unknown key 'bucket'"),
    ("report:\n  nightly: true\n", 2, "report.nightly must be a mapping"),
    ("report:\n  key_age_days: 30\n", 2, "unknown key 'key_age_days' in report"),
    ("report: [usage_days]\n", 1, "report must be a mapping"),
])
def test_mistakes_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(YamlError) as e:
        parse_settings(text, "c.yaml")
    assert e.value.line == line and words in str(e.value) and "c.yaml" in str(e.value)
