"""Findings as JSON Lines on stdout: the no-configuration sink (CloudWatch Logs / Cloud Logging keep it)."""

from __future__ import annotations

import sys

import orjson

from scanner.model.finding import Finding


class StdoutSink:
    def send(self, finding: Finding) -> None:
        # sys.stdout looked up per call: the platform (or a test) may have replaced it since start-up.
        sys.stdout.write(orjson.dumps(finding.to_dict()).decode("utf-8") + "\n")
        sys.stdout.flush()
