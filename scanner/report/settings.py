"""The `report:` section of auditwarden.yaml: every threshold the report's checks use. Errors name file:line.

    report:
      key_max_age_days: 90          # access keys / SA keys older than this fail hygiene.*.key_age
      key_unused_warn_days: 45      # an active key unused this long is worth a look (low)
      key_unused_days: 90           # … and this long, a key to delete (medium)
      usage_days: 90                # default --days of logs joined for least privilege
      unused_share: 0.5             # an identity using less than this share of its grant fails privilege.unused
      unused_min_granted: 10        # identities granted fewer actions are never flagged as unused
      disabled_rules: []            # rule ids to skip
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from scanner.config import Config
from scanner.yamlio import LineDict, YamlError


@dataclass(frozen=True, slots=True)
class ReportSettings:
    key_max_age_days: int = 90
    key_unused_warn_days: int = 45
    key_unused_days: int = 90
    usage_days: int = 90
    unused_share: float = 0.5
    unused_min_granted: int = 10
    disabled_rules: tuple[str, ...] = ()


def _line(d: Any, key: str) -> int:
    return d.line_of(key) if isinstance(d, LineDict) else 0


def report_settings(config: Config) -> ReportSettings:
    node = config.section("report")
    path = config.source
    if node is None:
        return ReportSettings()
    if not isinstance(node, Mapping):
        raise YamlError(path, config.line_of("report"), "report must be a mapping")
    known = {f.name: f for f in fields(ReportSettings)}
    values: dict[str, Any] = {}
    for key, value in node.items():
        f = known.get(key)
        if f is None:
            raise YamlError(path, _line(node, key), f"unknown key report.{key} (known: {', '.join(known)})")
        if key == "disabled_rules":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise YamlError(path, _line(node, key), "report.disabled_rules must be a list of rule ids")
            values[key] = tuple(value)
        elif key == "unused_share":
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise YamlError(path, _line(node, key), "report.unused_share must be a number from 0 to 1")
            values[key] = float(value)
        else:
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise YamlError(path, _line(node, key), f"report.{key} must be a whole number >= 0")
            values[key] = value
    s = ReportSettings(**values)
    if s.key_unused_warn_days > s.key_unused_days:
        raise YamlError(path, _line(node, "key_unused_warn_days"),
                        "report.key_unused_warn_days must not exceed report.key_unused_days")
    return s
