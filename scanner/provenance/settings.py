"""Provenance's own config sections: `deploy_policy` (who may deploy) and `artifact_buckets`.

Parsed here, not in scanner.config: the detector package owns and validates its section.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from scanner.config import Config
from scanner.ops.terminal import safe_line
from scanner.provenance.policy import DeployPolicy, parse_policies, policy_warnings
from scanner.yamlio import YamlError


@dataclass(frozen=True, slots=True)
class ProvenanceSettings:
    policies: tuple[DeployPolicy, ...] = ()
    artifact_buckets: tuple[str, ...] = ()


def provenance_settings(config: Config) -> ProvenanceSettings:
    path = config.source
    policy = config.section("deploy_policy")
    if policy is None:
        policy = []
    if not isinstance(policy, list):
        raise YamlError(path, config.line_of("deploy_policy"), "deploy_policy must be a list of policies")
    buckets = config.section("artifact_buckets")
    if buckets is None:
        buckets = []
    if not isinstance(buckets, list) or not all(isinstance(b, str) for b in buckets):
        raise YamlError(path, config.line_of("artifact_buckets"), "artifact_buckets must be a list of strings")
    return ProvenanceSettings(parse_policies(policy, path, config.line_of("deploy_policy")), tuple(buckets))


def check_provenance(config: Config) -> None:
    """Validation at load: errors raise (file:line); doubtful but valid entries are warned about on stderr."""
    for warning in policy_warnings(provenance_settings(config).policies):
        sys.stderr.write(f"warning: {safe_line(warning)}\n")
