"""What one event says about its principal's behaviour: the attributes a baseline counts.

Pure functions of the Event; no I/O. Every attribute is a short string so a profile stays small.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from scanner.detect.outcome import is_denied
from scanner.model.event import Event
from scanner.timeutil import epoch_seconds

#: AWS and GCP calls an attacker wants and a principal either makes routinely or never: reading
#: secrets, decrypting, minting credentials, changing who may do what, running commands, invoking
#: models. Operation names as normalized (Lambda version suffixes stripped).
SENSITIVE_AWS: Mapping[str, frozenset[str]] = {
    "secretsmanager.amazonaws.com": frozenset({"GetSecretValue", "BatchGetSecretValue"}),
    "kms.amazonaws.com": frozenset({"Decrypt", "GenerateDataKey", "ReEncrypt"}),
    "ssm.amazonaws.com": frozenset({"SendCommand", "StartSession", "GetParameter", "GetParameters",
                                    "GetParametersByPath"}),
    "sts.amazonaws.com": frozenset({"AssumeRole", "GetFederationToken", "GetSessionToken",
                                    "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}),
    "bedrock.amazonaws.com": frozenset({"InvokeModel", "InvokeModelWithResponseStream", "Converse",
                                        "ConverseStream"}),
    "lambda.amazonaws.com": frozenset({"AddPermission", "UpdateFunctionCode", "UpdateFunctionConfiguration"}),
}
#: IAM writes: everything on iam.amazonaws.com that is not a read.
_IAM_READ = re.compile(r"^(Get|List|Generate|Simulate)")
_SSM_PARAMS = frozenset({"GetParameter", "GetParameters", "GetParametersByPath"})

SENSITIVE_GCP: tuple[tuple[str, str], ...] = (
    ("secretmanager.googleapis.com", "AccessSecretVersion"),
    ("cloudkms.googleapis.com", "Decrypt"),
    ("iam.googleapis.com", "CreateServiceAccountKey"),
    ("iamcredentials.googleapis.com", "GenerateAccessToken"),
    ("iamcredentials.googleapis.com", "GenerateIdToken"),
    ("iamcredentials.googleapis.com", "SignBlob"),
    ("iamcredentials.googleapis.com", "SignJwt"),
    ("", "SetIamPolicy"),
    ("aiplatform.googleapis.com", "GenerateContent"),
    ("aiplatform.googleapis.com", "Predict"),
)

#: EC2 instance-profile sessions are named after the instance (`i-0123456789abcdef0`).
INSTANCE_SESSION = re.compile(r"^i-[0-9a-f]{8,17}$")
_UA_TOKEN = re.compile(r"^[\[\(]?([A-Za-z][A-Za-z0-9_.\-]*)(?:/(\d+))?")


class Traits(NamedTuple):
    """The countable attributes of one event."""

    when: float  # epoch seconds (event time)
    hour: int  # 0..23 UTC
    family: str  # API family: the service
    op: str  # service-qualified operation
    network: str  # /24 (IPv4), /48 (IPv6) or the service name that called
    region: str
    agent: str  # user-agent family: first product token and its major version
    sensitive: str  # the op when sensitive, else ""
    origin: str  # who stands behind the session: OIDC subject / delegation chain head, else ""
    error: bool
    denied: bool
    public_ip: bool  # the caller came from a routable address (not a service, not private)
    instance_session: bool
    country: str = ""  # only with a configured MaxMind-format table
    asn: str = ""


@lru_cache(maxsize=65_536)  # callers repeat: parsing an address is most of what traits() costs
def network_of(ip: str) -> tuple[str, bool]:
    """(network label, routable public address?) — AWS services call with names, not addresses."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return (ip.strip().lower()[:80] or "-"), False
    prefix = 24 if addr.version == 4 else 48
    net = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
    return str(net), addr.is_global


@lru_cache(maxsize=16_384)
def agent_family(ua: str) -> str:
    """`aws-cli/2.15.3 Python/3.11 ...` → `aws-cli/2`; the console → `console`; empty → `-`."""
    u = ua.strip()
    if not u:
        return "-"
    low = u.lower()
    if "console.amazonaws.com" in low or low.startswith("mozilla/"):
        return "console" if "console" in low or "signin" in low else "browser"
    m = _UA_TOKEN.match(u)
    if not m:
        return u[:24]
    name, major = m.group(1).lower(), m.group(2)
    return f"{name}/{major}" if major else name


def _decrypting(ev: Event) -> bool:
    params = ev.raw.get("requestParameters") if isinstance(ev.raw, Mapping) else None
    return isinstance(params, Mapping) and params.get("withDecryption") is True


def sensitive_op(ev: Event) -> str:
    op = ev.operation
    if ev.cloud == "aws":
        if ev.service == "iam.amazonaws.com" and not _IAM_READ.match(op):
            return f"iam:{op}"
        ops = SENSITIVE_AWS.get(ev.service)
        if ops is None or op not in ops:
            return ""
        if ev.service == "ssm.amazonaws.com" and op in _SSM_PARAMS and not _decrypting(ev):
            return ""
        return f"{ev.service.split('.', 1)[0]}:{op}"
    short = op.rsplit(".", 1)[-1]
    for service, name in SENSITIVE_GCP:
        if short == name and (not service or ev.service == service):
            return f"{ev.service.split('.', 1)[0]}:{short}"
    return ""


def origin_of(ev: Event) -> str:
    """Who stands behind the session where the event says so (OIDC subject, first delegate)."""
    if ev.oidc_subject:
        return ev.oidc_subject[:200]
    if ev.delegation:
        return ev.delegation[0][:200]
    return ""


def op_name(ev: Event) -> str:
    return f"{ev.service.split('.', 1)[0]}:{ev.operation.rsplit('.', 1)[-1]}"


def traits(ev: Event, geo: Callable[[str], tuple[str, str]] | None = None) -> Traits | None:
    """None when the event has no usable time (it cannot be placed in a baseline)."""
    when = epoch_seconds(ev.time)
    if when is None:
        return None
    network, public = network_of(ev.source_ip)
    country, asn = geo(ev.source_ip) if geo is not None and public else ("", "")
    return Traits(
        when=when,
        hour=int(when // 3600) % 24,
        family=ev.service.split(".", 1)[0] or "-",
        op=op_name(ev),
        network=network,
        region=ev.region or "-",
        agent=agent_family(ev.user_agent),
        sensitive=sensitive_op(ev),
        origin=origin_of(ev),
        error=bool(ev.error_code),
        denied=is_denied(ev),
        public_ip=public,
        instance_session=bool(INSTANCE_SESSION.match(ev.session_name)),
        country=country,
        asn=asn,
    )


def principal_key(ev: Event) -> str:
    """The stable principal (DESIGN §2) in its account; session names never make a new principal."""
    return f"{ev.cloud}|{ev.account}|{ev.principal}"


def raw_field(ev: Event, *path: str) -> Any:
    node: Any = ev.raw
    for p in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(p)
    return node
