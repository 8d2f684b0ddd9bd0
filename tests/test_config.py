"""Configuration: thresholds and switches from a file or AUDITWARDEN_CONFIG; errors name file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.config import load_config
from scanner.detectors import parse_settings as parse_config
from scanner.yamlio import YamlError


def test_defaults_without_any_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUDITWARDEN_CONFIG", raising=False)
    c = load_config()
    assert c.source == "<defaults>" and c.response.mode == "dry_run" and c.aggregation_window_seconds == 3600


def test_env_points_at_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "aw.yaml"
    p.write_text("aggregation: {window_seconds: 600}\ndetectors: {provenance: {enabled: false}, rules: true}\n"
                 "limits: {max_decompressed_bytes: 1048576}\nresponse: {mode: enforce, max_actions_per_hour: 2,"
                 " protected_principals: ['arn:aws:iam::*:role/break-glass*']}\n")
    monkeypatch.setenv("AUDITWARDEN_CONFIG", str(p))
    c = load_config()
    assert c.aggregation_window_seconds == 600
    assert not c.detector_enabled("provenance") and c.detector_enabled("rules")
    assert c.limits.max_decompressed_bytes == 1048576
    assert c.response.mode == "enforce" and c.response.max_actions_per_hour == 2
    assert c.response.protected_principals == ("arn:aws:iam::*:role/break-glass*",)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("aggregation:\n  window_seconds: -5\n", 2, "window_seconds must be an integer"),
        ("detectors:\n  rules: maybe\n", 2, "detectors.rules must be"),
        ("colour: blue\n", 1, "unknown key 'colour'"),
        ("response:\n  mode: dry_run\n  mode: enforce\n", 3, "duplicate key"),
        ("deploy_policy: {name: x}\n", 1, "deploy_policy must be a list"),
        ("- just\n- a list\n", 1, "the configuration is a mapping"),
        ("detectors:\n  rules: true\n  anomolay: false\n", 3, "unknown detector 'anomolay'"),
        ("rules:\n  paths: [a]\n  disable: [x]\n", 3, "unknown key 'disable' in rules"),
        ("artifact_buckets: bucket\n", 1, "artifact_buckets must be a list"),
        ("limits:\n  selective_decoding: sometimes\n", 2, "selective_decoding must be true or false"),
        ("trusted:\n  aws_accounts: 123\n", 2, "trusted.aws_accounts must be a list"),
        ("trusted:\n  aws_account: ['1']\n", 2, "unknown key 'aws_account' in trusted"),
        ("secrets:\n  max_file_bytes: 0\n", 2, "max_file_bytes must be"),
        # a misspelt limit or window would silently keep the default
        ("limits:\n  max_decompresed_bytes: 1024\n", 2, "unknown key 'max_decompresed_bytes' in limits"),
        ("aggregation:\n  window: 60\n", 2, "unknown key 'window' in aggregation"),
        # every section's thresholds go through config.number: a bool is not 1, a float not an integer
        ("aggregation:\n  window_seconds: true\n", 2, "window_seconds must be an integer >= 1"),
        ("anomaly:\n  min_history_days: -1\n", 2, "anomaly.min_history_days must be a number >= 0"),
        ("anomaly:\n  bursts: {access_denied: 2.5}\n", 2, "anomaly.access_denied must be an integer >= 1"),
        ("detectors:\n  iam_policy: {remember_days: 0}\n", 2, "iam_policy.remember_days must be an integer >= 1"),
        ("report:\n  unused_share: 1.5\n", 2, "report.unused_share must be a number from 0 to 1"),
        ("report:\n  nightly: {days: 5000}\n", 2, "report.nightly.days must be an integer from 1 to 3650"),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlError) as e:
        parse_config(text, "cfg.yaml")
    assert e.value.line == line, str(e.value)
    assert message in str(e.value)
    assert str(e.value).startswith(f"cfg.yaml:{line}:")


def test_unreadable_location_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="cannot read configuration"):
        load_config(str(tmp_path / "missing.yaml"))


def test_trusted_parties_are_typed(tmp_path: Path) -> None:
    c = parse_config("trusted:\n  aws_organizations: [o-abc123example]\n  aws_accounts: ['444455556666']\n", "c.yaml")
    assert c.trusted.aws_organizations == ("o-abc123example",)
    assert c.trusted.aws_account_trusted("444455556666") and not c.trusted.aws_account_trusted("999999999999")
    assert c.trusted.aws_account_trusted("111122223333", own="111122223333")


def test_detector_options_keep_their_lines() -> None:
    c = parse_config("detectors:\n  rules:\n    enabled: true\n", "c.yaml")
    opts = c.detector_options("rules")
    assert opts["enabled"] is True and opts.line_of("enabled") == 3
    assert dict(c.detector_options("provenance")) == {}
