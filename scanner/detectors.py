"""The detector registry: the composition root where detector packages meet the scan.

A visible dict from name to spec. The engine in `scanner.detect` knows no detector package and
`scanner.config` imports no detector's parser: each package owns its config sections and validates
them (file:line errors); this module lists them, checks a whole configuration at load, and builds
what is enabled. New capabilities plug in here, never into the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scanner.config import CORE_KEYS, Config, ConfigClients, load_config
from scanner.detect.detector import Detector
from scanner.state.base import StateStore
from scanner.yamlio import LineDict, YamlError


def _no_check(config: Config) -> None:
    return None


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    build: Callable[[Config, StateStore], Detector]
    summary: str
    #: top-level config sections this detector owns (besides `detectors.<name>`)
    sections: tuple[str, ...] = ()
    #: validates the detector's sections and `detectors.<name>` options; raises YamlError naming file:line
    check: Callable[[Config], None] = _no_check
    default_enabled: bool = True


def _rules(config: Config, state: StateStore) -> Detector:
    from scanner.detect.engine import RuleEngine
    from scanner.detect.settings import configured_rules

    return RuleEngine(configured_rules(config))


def _check_rules(config: Config) -> None:
    from scanner.detect.settings import rule_settings

    rule_settings(config)


def _provenance(config: Config, state: StateStore) -> Detector:
    from scanner.provenance.detector import factory

    return factory(config, state)


def _check_provenance(config: Config) -> None:
    from scanner.provenance.settings import check_provenance

    check_provenance(config)


def _iam_policy(config: Config, state: StateStore) -> Detector:
    from scanner.iampolicy.detector import factory

    return factory(config, state)


def _anomaly(config: Config, state: StateStore) -> Detector:
    from scanner.anomaly.detector import factory

    return factory(config, state)


def _check_iam_policy(config: Config) -> None:
    from scanner.iampolicy.detector import iam_policy_settings

    iam_policy_settings(config)


def _check_anomaly(config: Config) -> None:
    from scanner.anomaly.settings import anomaly_nightly, anomaly_settings

    anomaly_settings(config)
    anomaly_nightly(config)


def _bursts(config: Config, state: StateStore) -> Detector:
    from scanner.bursts.factory import factory

    return factory(config, state)


def _check_bursts(config: Config) -> None:
    from scanner.bursts.factory import check

    check(config)


#: name → spec. `detectors: {name: false}` (or `{enabled: false}`) in config switches one off.
DETECTORS: dict[str, DetectorSpec] = {
    "rules": DetectorSpec(_rules, "YAML rule pack (rules/aws, rules/gcp and rules.paths)", ("rules",),
                          _check_rules),
    "provenance": DetectorSpec(_provenance, "deploy and artifact-push provenance against deploy_policy",
                               ("deploy_policy", "artifact_buckets"), _check_provenance),
    "iam_policy": DetectorSpec(_iam_policy, "administrator-equivalent customer-managed IAM policies attached "
                               "(documents remembered from CreatePolicy/CreatePolicyVersion), users added to admin "
                               "groups", (), _check_iam_policy),
    "anomaly": DetectorSpec(_anomaly, "first-seen behaviour per principal against its baseline (needs --state)",
                            ("anomaly",), _check_anomaly),
    "bursts": DetectorSpec(_bursts, "counts over time and first-seen values (rules/bursts: brute force, "
                           "bulk deletion, AccessDenied bursts, new regions)", (), _check_bursts),
}


def _check_secrets(config: Config) -> None:
    from scanner.secrets.settings import parse_settings

    node = config.section("secrets")
    parse_settings(node, config.source, None)


def _check_response(config: Config) -> None:
    from scanner.respond.settings import check_response

    check_response(config)


def _check_serverless(config: Config) -> None:
    from scanner.live.settings import live_settings

    live_settings(config)


def _check_report(config: Config) -> None:
    from scanner.report.settings import report_nightly, report_settings

    report_settings(config)
    report_nightly(config)


#: Sections owned by something other than a detector (commands with settings of their own). `response`
#: is typed by config.py (a core section); its action names are checked by the package that owns them.
OTHER_SECTIONS: dict[str, Callable[[Config], None]] = {
    "secrets": _check_secrets,
    "response": _check_response,
    "serverless": _check_serverless,
    "report": _check_report,
}


def owned_sections() -> tuple[str, ...]:
    return (*(s for spec in DETECTORS.values() for s in spec.sections), *OTHER_SECTIONS)


def validate(config: Config) -> Config:
    """Every owner checks its part; a detector name nobody registered is a typo worth naming."""
    det = config.section("detectors")
    if isinstance(det, LineDict):
        for name in det:
            if name not in DETECTORS:
                raise YamlError(config.source, det.line_of(name),
                                f"unknown detector {name!r} (known: {', '.join(DETECTORS)})")
    for spec in DETECTORS.values():
        spec.check(config)
    for check in OTHER_SECTIONS.values():
        check(config)
    return config


def load_settings(location: str | None = None, clients: ConfigClients | None = None) -> Config:
    """The configuration every command runs with: read, core-parsed, and checked by every owner."""
    return validate(load_config(location, owned_sections(), clients))


def parse_settings(text: str, path: str) -> Config:
    from scanner.config import parse_config

    return validate(parse_config(text, path, owned_sections()))


def enabled(config: Config) -> list[str]:
    return [n for n, s in DETECTORS.items() if config.detector_enabled(n, s.default_enabled)]


def build_detectors(config: Config, state: StateStore) -> list[Detector]:
    return [DETECTORS[name].build(config, state) for name in enabled(config)]


__all__ = ["CORE_KEYS", "DETECTORS", "OTHER_SECTIONS", "DetectorSpec", "build_detectors", "load_settings",
           "validate"]
