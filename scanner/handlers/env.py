"""The runtime a deployed function uses, from its environment; one per distinct environment, kept warm.

Keyed by the environment values it reads, so a test (or a redeploy with new variables) gets a fresh
runtime without anything to patch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from scanner.live.runtime import Options, Runtime

#: The variables Terraform sets (terraform/aws, terraform/gcp).
VARIABLES = ("AUDITWARDEN_CONFIG", "AUDITWARDEN_CONFIG_TTL_SECONDS", "AUDITWARDEN_STATE",
             "AUDITWARDEN_DEAD_LETTER_TOPIC", "AWS_LAMBDA_FUNCTION_NAME", "K_SERVICE")
DEFAULT_CONFIG_TTL_SECONDS = 60.0

_warm: dict[tuple[str, ...], Runtime] = {}


def options_from(env: Mapping[str, str]) -> Options:
    ttl = env.get("AUDITWARDEN_CONFIG_TTL_SECONDS", "")
    return Options(
        config_location=env.get("AUDITWARDEN_CONFIG") or None,
        config_ttl_seconds=float(ttl) if ttl else DEFAULT_CONFIG_TTL_SECONDS,
        state=env.get("AUDITWARDEN_STATE", ""),
        function=env.get("AWS_LAMBDA_FUNCTION_NAME") or env.get("K_SERVICE") or "",
        dead_letter_topic=env.get("AUDITWARDEN_DEAD_LETTER_TOPIC", ""),
    )


def runtime(env: Mapping[str, str] | None = None) -> Runtime:
    env = os.environ if env is None else env
    key = tuple(env.get(v, "") for v in VARIABLES)
    rt = _warm.get(key)
    if rt is None:
        rt = _warm[key] = Runtime(options_from(env))
    return rt
