"""The `serverless:` section: how the event functions deliver, deduplicate and watch for silence.

    serverless:
      dedup_days: 30                       # a finding id delivered once per sink within this window
      heartbeat_max_silence_minutes: 360   # an account/project silent longer → tamper finding (nightly)
      heartbeat_write_seconds: 60          # last-seen writes per account, at most one per this interval
      sink_attempts: 3                     # tries per sink before the unit fails (→ redelivery, DLQ)
      sink_backoff_seconds: 0.5            # first retry delay; doubles each retry
      sinks:                               # default: [{type: stdout}]
        - {type: stdout}
        - {type: sns, topic_arn: "arn:aws:sns:us-east-1:111122223333:auditwarden"}
        - {type: pubsub, topic: "projects/acme-sec/topics/auditwarden-findings"}
        - {type: webhook, url: "https://hooks.slack.com/services/…", format: slack, min_severity: high}

Read at run time like every section, so a sink or a threshold changes without a redeploy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.config import Config, check_keys, number, section
from scanner.model.finding import SEVERITIES
from scanner.yamlio import LineDict, YamlError

SECTION = "serverless"
KEYS = ("dedup_days", "heartbeat_max_silence_minutes", "heartbeat_write_seconds", "sink_attempts",
        "sink_backoff_seconds", "sinks")
#: sink type → its required and optional keys
SINK_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "stdout": ((), ()),
    "sns": (("topic_arn",), ()),
    "pubsub": (("topic",), ()),
    "webhook": (("url",), ("format", "timeout_seconds")),
}
WEBHOOK_FORMATS = ("json", "slack")


@dataclass(frozen=True, slots=True)
class SinkSpec:
    type: str
    options: Mapping[str, Any] = field(default_factory=dict)
    min_severity: str = "info"

    @property
    def name(self) -> str:
        """Stable per configured sink (the dedup key part): type plus its target, never a secret URL."""
        from scanner.model.finding import fingerprint

        target = "|".join(f"{k}={self.options[k]}" for k in sorted(self.options))
        return f"{self.type}:{fingerprint(target)[:12]}" if target else self.type


@dataclass(frozen=True, slots=True)
class LiveSettings:
    dedup_days: int = 30
    heartbeat_max_silence_minutes: int = 360
    heartbeat_write_seconds: int = 60
    sink_attempts: int = 3
    sink_backoff_seconds: float = 0.5
    sinks: tuple[SinkSpec, ...] = (SinkSpec("stdout"),)


def _num(doc: LineDict, key: str, path: str, default: float, minimum: float, integer: bool = True) -> Any:
    return number(doc, key, path, default, minimum, integer=integer, where=SECTION)


def _sink(node: Any, path: str, line: int) -> SinkSpec:
    if not isinstance(node, LineDict):
        raise YamlError(path, line, f"{SECTION}.sinks entries are mappings with a type")
    kind = node.get("type")
    if kind not in SINK_KEYS:
        raise YamlError(path, node.line_of("type"), f"sink type must be one of {', '.join(SINK_KEYS)}")
    required, optional = SINK_KEYS[kind]
    check_keys(node, ("type", "min_severity", *required, *optional), path, f"{kind} sink")
    for key in required:
        if not isinstance(node.get(key), str) or not node[key]:
            raise YamlError(path, node.line_of(key), f"{kind} sink needs {key}")
    sev = node.get("min_severity", "info")
    if sev not in SEVERITIES:
        raise YamlError(path, node.line_of("min_severity"), f"min_severity must be one of {', '.join(SEVERITIES)}")
    if kind == "webhook" and node.get("format", "json") not in WEBHOOK_FORMATS:
        raise YamlError(path, node.line_of("format"), f"webhook format must be one of {', '.join(WEBHOOK_FORMATS)}")
    opts = {k: v for k, v in node.items() if k not in ("type", "min_severity")}
    return SinkSpec(kind, opts, sev)


def live_settings(config: Config) -> LiveSettings:
    path = config.source
    doc = section(config.raw, SECTION, path)
    check_keys(doc, KEYS, path, SECTION)
    d = LiveSettings()
    sinks = d.sinks
    if "sinks" in doc:
        raw = doc["sinks"]
        if not isinstance(raw, list) or not raw:
            raise YamlError(path, doc.line_of("sinks"), f"{SECTION}.sinks must be a non-empty list")
        sinks = tuple(_sink(s, path, doc.line_of("sinks")) for s in raw)
    return LiveSettings(
        dedup_days=_num(doc, "dedup_days", path, d.dedup_days, 1),
        heartbeat_max_silence_minutes=_num(doc, "heartbeat_max_silence_minutes", path,
                                           d.heartbeat_max_silence_minutes, 1),
        heartbeat_write_seconds=_num(doc, "heartbeat_write_seconds", path, d.heartbeat_write_seconds, 0),
        sink_attempts=_num(doc, "sink_attempts", path, d.sink_attempts, 1),
        sink_backoff_seconds=float(_num(doc, "sink_backoff_seconds", path, d.sink_backoff_seconds, 0, False)),
        sinks=sinks,
    )
