"""PEM private keys (PKCS#1 RSA, SEC1 EC, DSA, OpenSSH, PKCS#8, encrypted PKCS#8, PGP).

Certificates and public keys never match: the pattern requires PRIVATE KEY. A block whose body is
too short or too regular to be key material (`…`, `<your key>`, `XXXX`) is a placeholder.
"""

from __future__ import annotations

import re

from scanner.secrets.entropy import shannon
from scanner.secrets.model import DetectorSpec, Hit

BLOCK = re.compile(
    r"-----BEGIN[ ](?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----"
    r"(?P<body>.{0,16384}?)-----END[ ](?P=kind)-----",
    re.DOTALL,
)
# Inside the body: escaped newlines of JSON/YAML strings, quotes and `+` of concatenated string literals,
# indentation, and the armour headers of legacy encrypted PEM / PGP.
_NOISE = re.compile(r"\\+[nrt]|[\s\"'+,]")
_HEADER = re.compile(r"(?:Proc-Type|DEK-Info|Version|Comment):[^\n\\]*")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=]+$")


def clean_body(raw: str) -> str:
    """A block body without armour headers, escapes, quotes and whitespace: base64 if it is key material."""
    return _NOISE.sub("", _HEADER.sub("", raw))


def is_base64(body: str) -> bool:
    return bool(_BASE64.match(body))


class PrivateKeyDetector:
    def __init__(self, spec: DetectorSpec) -> None:
        self.spec = spec
        self.min_body = int(spec.params.get("min_body_chars", 64))
        self.body_entropy = float(spec.params.get("body_entropy", 4.0))

    def find(self, text: str, low: str | None = None) -> list[Hit]:
        hits: list[Hit] = []
        for m in BLOCK.finditer(text):
            raw = m.group("body")
            encrypted = "ENCRYPTED" in m.group("kind") or "Proc-Type: 4,ENCRYPTED" in raw
            body = clean_body(raw)
            if len(body) < self.min_body or shannon(body) < self.body_entropy:
                continue
            if not is_base64(body):
                continue  # "…", "<your key here>", "[REDACTED]": not key material
            kind = m.group("kind").replace(" PRIVATE KEY", "").replace("PRIVATE KEY", "").strip() or "PKCS#8"
            hits.append(Hit(
                rule=self.spec.id, secret=body, spans=((m.start(), m.end()),),
                severity="medium" if encrypted else self.spec.severity,
                title=f"{'Encrypted ' if encrypted else ''}private key ({kind})",
                evidence={"key_format": kind, "encrypted": encrypted},
            ))
        return hits
