"""The `report:` section of auditwarden.yaml: every threshold the report's checks use. Errors name file:line.

    report:
      key_max_age_days: 90          # access keys / SA keys older than this fail hygiene.*.key_age
      key_unused_warn_days: 45      # an active key unused this long is worth a look (low)
      key_unused_days: 90           # … and this long, a key to delete (medium)
      usage_days: 90                # default --days of logs joined for least privilege
      unused_share: 0.5             # an identity using less than this share of its grant fails privilege.unused
      unused_min_granted: 10        # identities granted fewer actions are never flagged as unused
      disabled_rules: []            # rule ids to skip
      nightly:                      # what the nightly invocation reports on (scanner.report.nightly)
        aws: true                   # read IAM live with the function's role
        gcp_projects: []            # projects read live (IAM Admin + Resource Manager)
        logs: [s3://trail-bucket/AWSLogs/]   # joined for least privilege and scored for anomalies
        days: 90                    # default: usage_days
        out: s3://report-bucket/auditwarden/ # or a local folder; last night's report.json there marks new/fixed
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from scanner.config import Config, check_keys, number, section
from scanner.yamlio import LineDict, YamlError


@dataclass(frozen=True, slots=True)
class NightlySettings:
    aws: bool = False
    gcp_projects: tuple[str, ...] = ()
    logs: tuple[str, ...] = ()
    days: int | None = None
    out: str = ""


@dataclass(frozen=True, slots=True)
class ReportSettings:
    key_max_age_days: int = 90
    key_unused_warn_days: int = 45
    key_unused_days: int = 90
    usage_days: int = 90
    unused_share: float = 0.5
    unused_min_granted: int = 10
    disabled_rules: tuple[str, ...] = ()


def report_settings(config: Config) -> ReportSettings:
    path = config.source
    node = section(config.raw, "report", path)
    check_keys(node, (*(f.name for f in fields(ReportSettings)), "nightly"), path, "report")
    values: dict[str, Any] = {}
    for key, value in node.items():
        if key == "nightly":
            continue  # report_nightly's
        if key == "disabled_rules":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise YamlError(path, node.line_of(key), "report.disabled_rules must be a list of rule ids")
            values[key] = tuple(value)
        elif key == "unused_share":
            values[key] = float(number(node, key, path, None, 0, 1, integer=False, where="report"))
        else:
            values[key] = number(node, key, path, None, 0, where="report")
    s = ReportSettings(**values)
    if s.key_unused_warn_days > s.key_unused_days:
        raise YamlError(path, node.line_of("key_unused_warn_days"),
                        "report.key_unused_warn_days must not exceed report.key_unused_days")
    return s


def _strings(node: LineDict, key: str, path: str) -> tuple[str, ...]:
    v = node.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
        raise YamlError(path, node.line_of(key), f"report.nightly.{key} must be a list of strings")
    return tuple(v)


def report_nightly(config: Config) -> NightlySettings:
    """`report.nightly`: the inventory, logs and destination of the nightly invocation's report."""
    path = config.source
    node = section(section(config.raw, "report", path), "nightly", path, "report.nightly")
    check_keys(node, tuple(f.name for f in fields(NightlySettings)), path, "report.nightly")
    aws = node.get("aws", False)
    if not isinstance(aws, bool):
        raise YamlError(path, node.line_of("aws"), "report.nightly.aws must be true or false")
    days = node.get("days")
    if days is not None:
        number(node, "days", path, None, 1, 3650, where="report.nightly")
    out = node.get("out", "")
    if not isinstance(out, str):
        raise YamlError(path, node.line_of("out"), "report.nightly.out must be s3://bucket/prefix or a folder")
    logs = _strings(node, "logs", path)
    for key, values in (("out", (out,)), ("logs", logs)):
        if any(v.startswith("gs://") for v in values):
            raise YamlError(path, node.line_of(key), f"report.nightly.{key}: gs:// is not supported yet "
                            "(the log reader and the report writer know s3:// and local paths)")
    return NightlySettings(aws, _strings(node, "gcp_projects", path), logs, days, out)
