"""The data-driven detector: a pattern with a `secret` group, an entropy floor, filters, an allowlist."""

from __future__ import annotations

from scanner.secrets.entropy import shannon
from scanner.secrets.filters import rejected
from scanner.secrets.model import DetectorSpec, Hit


class RegexDetector:
    def __init__(self, spec: DetectorSpec) -> None:
        assert spec.pattern is not None  # the loader guarantees it for engine regex
        self.spec = spec
        self._pattern = spec.pattern
        self._has_body = "body" in spec.pattern.groupindex

    def find(self, text: str, low: str | None = None) -> list[Hit]:
        spec = self.spec
        hits: list[Hit] = []
        for m in self._pattern.finditer(text):
            secret = m.group("secret")
            if not secret:
                continue
            has_body = self._has_body and bool(m.group("body"))
            body = m.group("body") if has_body else secret
            if len(body) < spec.min_length or rejected(secret, spec.filters):
                continue
            if spec.entropy and shannon(body) < spec.entropy:
                continue
            start = m.start("secret")
            head = m.start("body") - start if has_body else 0
            hits.append(Hit(rule=spec.id, secret=secret, spans=((start, m.end("secret")),),
                            prefix=secret[:head], severity=spec.severity_for(secret)))
        return hits
