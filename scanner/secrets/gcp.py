"""GCP service-account key files: the JSON object with `"type": "service_account"` and a PEM private key.

Found as a file or pasted into YAML or a CI variable as an escaped string (`{\\"type\\": …}`);
base64-encoded (Kubernetes Secret `data:`) it is found in the decoded reading of the text (layers.py).
The finding names what revocation needs: client_email, private_key_id and the project.
"""

from __future__ import annotations

import re

from scanner.secrets.entropy import shannon
from scanner.secrets.model import DetectorSpec, Hit

_Q = r'\\{0,3}"'  # a quote, possibly escaped once or twice
TYPE = re.compile(_Q + r"type" + _Q + r"\s*:\s*" + _Q + r"service_account" + _Q)
# What every TYPE match holds, as a pattern that starts with a literal: searched at C speed, where
# TYPE (starting with optional backslashes) is tried at every character. `service_account` is also a
# common identifier, so the detector's keyword alone lets many texts through.
_TYPE_VALUE = re.compile(r'service_account\\{0,3}"')
_FIELD = {
    name: re.compile(_Q + name + _Q + r"\s*:\s*" + _Q + value)
    for name, value in (
        ("private_key_id", r"(?P<v>[0-9a-f]{40})"),
        ("client_email", r"(?P<v>[a-z0-9][a-z0-9._\-]{0,62}@[a-z0-9\-.]+\.gserviceaccount\.com)"),
        ("project_id", r"(?P<v>[a-z][a-z0-9\-]{4,28}[a-z0-9])"),
        ("private_key", r"(?P<v>-----BEGIN (?:RSA )?PRIVATE KEY-----.*?-----END (?:RSA )?PRIVATE KEY-----)"),
    )
}
_PEM_BODY = re.compile(r"-----(?:BEGIN|END) (?:RSA )?PRIVATE KEY-----|\\+n|\\+r|\s")
_EMAIL_PROJECT = re.compile(r"@([a-z][a-z0-9\-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$")


def _object_bounds(text: str, at: int, reach: int) -> tuple[int, int]:
    """The braces around `at` (PEM bodies and these JSON values hold none); the reach window if unbalanced."""
    lo = max(0, at - reach)
    depth = 0
    start = -1
    for i in range(at, lo - 1, -1):
        c = text[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                start = i
                break
            depth -= 1
    hi = min(len(text), at + reach)
    depth = 0
    end = -1
    for i in range(at, hi):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                end = i + 1
                break
            depth -= 1
    return (start if start >= 0 else lo), (end if end >= 0 else hi)


class GcpServiceAccountKeyDetector:
    def __init__(self, spec: DetectorSpec) -> None:
        self.spec = spec
        self.reach = int(spec.params.get("object_reach_chars", 8000))
        self.min_key_chars = int(spec.params.get("min_private_key_chars", 500))
        self.key_entropy = float(spec.params.get("private_key_entropy", 5.0))

    def find(self, text: str, low: str | None = None) -> list[Hit]:
        hits: list[Hit] = []
        if not _TYPE_VALUE.search(text):
            return hits
        for t in TYPE.finditer(text):
            lo, hi = _object_bounds(text, t.start(), self.reach)
            obj = text[lo:hi]
            fields: dict[str, re.Match[str]] = {}
            for name, rx in _FIELD.items():
                m = rx.search(obj)
                if m:
                    fields[name] = m
            key = fields.get("private_key")
            if key is None:
                continue  # no key material: a description of an account, not a credential
            body = _PEM_BODY.sub("", key.group("v"))
            if len(body) < self.min_key_chars or shannon(body) < self.key_entropy:
                continue  # placeholder or redacted key
            email = fields["client_email"].group("v") if "client_email" in fields else ""
            key_id = fields["private_key_id"].group("v") if "private_key_id" in fields else ""
            project = fields["project_id"].group("v") if "project_id" in fields else ""
            if not project and email:
                pm = _EMAIL_PROJECT.search(email)
                project = pm.group(1) if pm else ""
            spans = ((lo + key.start("v"), lo + key.end("v")), (lo, hi))
            resource = f"projects/{project or '-'}/serviceAccounts/{email}/keys/{key_id}" if email and key_id else ""
            hits.append(Hit(
                rule=self.spec.id, secret=body, spans=spans, account=project, principal=email, resource=resource,
                evidence={"client_email": email, "private_key_id": key_id, "project_id": project,
                          "encoding": "escaped" if "\\" in t.group(0) else "json",
                          "revocation": {"kind": "gcp-key", "client_email": email, "private_key_id": key_id,
                                         "project_id": project}},
            ))
        return hits
