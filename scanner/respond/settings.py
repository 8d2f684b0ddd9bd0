"""Checks on the `response:` section that need this package's knowledge (config.py types the rest)."""

from __future__ import annotations

from collections.abc import Mapping

from scanner.config import Config
from scanner.model.finding import SEVERITIES
from scanner.respond.model import KINDS
from scanner.yamlio import LineDict, YamlError


def check_response(config: Config) -> None:
    """A misspelt action in disabled_actions would leave that responder on: refuse it with its line."""
    node = config.section("response")
    if not isinstance(node, Mapping):
        return
    if config.response.min_severity not in SEVERITIES:
        raise YamlError(config.source, node.line_of("min_severity") if isinstance(node, LineDict) else 0,
                        f"response.min_severity must be one of {', '.join(SEVERITIES)}")
    line = node.line_of("disabled_actions") if isinstance(node, LineDict) else 0
    for kind in config.response.disabled_actions:
        if kind not in KINDS:
            raise YamlError(config.source, line, f"unknown action {kind!r} in response.disabled_actions "
                            f"(known: {', '.join(KINDS)})")
