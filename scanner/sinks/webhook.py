"""Findings to a webhook: the JSON finding, or a Slack incoming-webhook message.

The URL of a Slack webhook is itself a credential: it is never logged or put in an error message.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import orjson

from scanner.model.finding import Finding
from scanner.ops.terminal import safe_line
from scanner.sinks.base import SinkError


def slack_escape(text: str) -> str:
    """Slack mrkdwn control characters (&, <, >) escaped, control characters gone: audit text is attacker text.
    Without it a principal named `<!channel>` or `<https://evil|click>` would ping or link."""
    return safe_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(f: Finding) -> dict[str, str]:
    lines = [
        f"*[{f.severity.upper()}] {slack_escape(f.title)}*",
        f"rule `{slack_escape(f.rule)}` · {slack_escape(f.cloud)} {slack_escape(f.account)}",
        f"principal: {slack_escape(f.principal)}",
        f"action: {slack_escape(f.action)} on {slack_escape(f.resource)}",
        f"time: {slack_escape(f.time)} · id {f.id}",
    ]
    return {"text": "\n".join(lines)}


class WebhookSink:
    def __init__(self, url: str, fmt: str = "json", timeout_seconds: float = 10.0) -> None:
        self._url = url
        self._fmt = fmt
        self._timeout = timeout_seconds

    def send(self, finding: Finding) -> None:
        body = slack_message(finding) if self._fmt == "slack" else finding.to_dict()
        req = urllib.request.Request(self._url, data=orjson.dumps(body), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as resp:  # the configured URL
                status = resp.status
        except urllib.error.HTTPError as e:
            raise SinkError(f"webhook answered HTTP {e.code}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise SinkError(f"webhook unreachable: {type(reason).__name__}") from None
        if not 200 <= status < 300:
            raise SinkError(f"webhook answered HTTP {status}")
