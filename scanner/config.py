"""One typed configuration object, loaded from a file, AUDITWARDEN_CONFIG (path, s3://, ssm:), or defaults.

Every threshold lives here, never as a literal in detection code. Errors name the file and line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.provenance.policy import parse_policies
from scanner.sources.limits import Limits
from scanner.yamlio import LineDict, YamlError, load_text

TOP_KEYS = ("deploy_policy", "detectors", "response", "aggregation", "limits", "rules", "artifact_buckets",
            "secrets")
RESPONSE_MODES = ("off", "dry_run", "enforce")


@dataclass(frozen=True, slots=True)
class ResponseConfig:
    mode: str = "dry_run"
    protected_principals: tuple[str, ...] = ()
    max_actions_per_hour: int = 5


@dataclass(frozen=True, slots=True)
class Config:
    source: str = "<defaults>"
    detectors: Mapping[str, bool] = field(default_factory=dict)  # name → enabled
    aggregation_window_seconds: int = 3600
    max_event_ids: int = 100
    limits: Limits = field(default_factory=Limits)
    rule_paths: tuple[str, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    deploy_policy: tuple[Mapping[str, Any], ...] = ()  # validated by scanner.provenance
    artifact_buckets: tuple[str, ...] = ()
    response: ResponseConfig = field(default_factory=ResponseConfig)
    secrets: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict)

    def detector_enabled(self, name: str, default: bool = True) -> bool:
        return self.detectors.get(name, default)


def _int(doc: LineDict, key: str, path: str, default: int, minimum: int = 1) -> int:
    v = doc.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < minimum:
        raise YamlError(path, doc.line_of(key), f"{key} must be an integer >= {minimum}")
    return v


def _strs(doc: LineDict, key: str, path: str) -> tuple[str, ...]:
    v = doc.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise YamlError(path, doc.line_of(key), f"{key} must be a list of strings")
    return tuple(v)


def _section(doc: LineDict, key: str, path: str) -> LineDict:
    v = doc.get(key)
    if v is None:
        empty = LineDict()
        empty.line = doc.line_of(key)
        empty.key_lines = {}
        return empty
    if not isinstance(v, LineDict):
        raise YamlError(path, doc.line_of(key), f"{key} must be a mapping")
    return v


def parse_config(text: str, path: str) -> Config:
    doc = load_text(text, path)
    if doc is None:
        return Config(source=path)
    if not isinstance(doc, LineDict):
        raise YamlError(path, 1, "the configuration is a mapping")
    for key in doc:
        if key not in TOP_KEYS:
            raise YamlError(path, doc.line_of(key), f"unknown key {key!r} (known: {', '.join(TOP_KEYS)})")
    detectors: dict[str, bool] = {}
    for name, spec in _section(doc, "detectors", path).items():
        if isinstance(spec, bool):
            detectors[name] = spec
        elif isinstance(spec, Mapping) and isinstance(spec.get("enabled", True), bool):
            detectors[name] = spec.get("enabled", True)
        else:
            raise YamlError(path, _section(doc, "detectors", path).line_of(name),
                            f"detectors.{name} must be true/false or {{enabled: true|false}}")
    agg = _section(doc, "aggregation", path)
    lim = _section(doc, "limits", path)
    rules = _section(doc, "rules", path)
    resp = _section(doc, "response", path)
    mode = resp.get("mode", "dry_run")
    if mode not in RESPONSE_MODES:
        raise YamlError(path, resp.line_of("mode"), f"response.mode must be one of {', '.join(RESPONSE_MODES)}")
    policy = doc.get("deploy_policy", [])
    if not isinstance(policy, list):
        raise YamlError(path, doc.line_of("deploy_policy"), "deploy_policy must be a list of policies")
    parse_policies(policy, path, doc.line_of("deploy_policy"))  # kept raw; checked here so errors surface at load
    secrets = _section(doc, "secrets", path)
    dflt = Limits()
    return Config(
        source=path,
        detectors=detectors,
        aggregation_window_seconds=_int(agg, "window_seconds", path, 3600),
        max_event_ids=_int(agg, "max_event_ids", path, 100),
        limits=Limits(
            max_decompressed_bytes=_int(lim, "max_decompressed_bytes", path, dflt.max_decompressed_bytes),
            max_line_bytes=_int(lim, "max_line_bytes", path, dflt.max_line_bytes),
            max_envelope_depth=_int(lim, "max_envelope_depth", path, dflt.max_envelope_depth),
        ),
        rule_paths=_strs(rules, "paths", path),
        disabled_rules=_strs(rules, "disabled", path),
        deploy_policy=tuple(policy),
        artifact_buckets=_strs(doc, "artifact_buckets", path),
        response=ResponseConfig(
            mode=mode,
            protected_principals=_strs(resp, "protected_principals", path),
            max_actions_per_hour=_int(resp, "max_actions_per_hour", path, 5, minimum=0),
        ),
        secrets=secrets,
        raw=doc,
    )


def _fetch(location: str) -> str:
    if location.startswith("s3://"):
        import boto3

        bucket, _, key = location[5:].partition("/")
        body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return str(body.decode("utf-8"))
    if location.startswith("ssm:"):
        import boto3

        resp = boto3.client("ssm").get_parameter(Name=location[4:], WithDecryption=True)
        return str(resp["Parameter"]["Value"])
    return Path(location).read_text(encoding="utf-8")


def load_config(location: str | None = None) -> Config:
    """Explicit location, else $AUDITWARDEN_CONFIG, else ./auditwarden.yaml if present, else defaults."""
    loc = location or os.environ.get("AUDITWARDEN_CONFIG")
    if not loc:
        if not Path("auditwarden.yaml").is_file():
            return Config()
        loc = "auditwarden.yaml"
    try:
        text = _fetch(loc)
    except (OSError, UnicodeDecodeError) as e:
        raise YamlError(loc, 0, f"cannot read configuration: {e}") from None
    except Exception as e:  # botocore errors: the message is what the user needs
        raise YamlError(loc, 0, f"cannot fetch configuration: {e}") from None
    return parse_config(text, loc)
