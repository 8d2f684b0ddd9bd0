"""Which findings may lead to which action, and the one field each reads its target from.

A visible table from rule id to an extractor. Every extractor reads a field a detector filled from
something the cloud or the scanner vouches for — the secret scanner's own revocation block, the key
AWS Health names, the key the caller authenticated with (`userIdentity.accessKeyId`,
`serviceAccountKeyName`) — and never from request parameters, user agents or error messages, which
anyone can fill with somebody else's key ID. A rule not in this table never triggers a response.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from scanner.model.finding import Finding
from scanner.respond.model import AWS_KEY, AWS_ROLE_SESSIONS, AWS_USER_QUARANTINE, GCP_KEY, Request

#: A long-lived IAM user key: the only kind UpdateAccessKey can switch off (ASIA keys expire on their own).
AWS_USER_KEY = re.compile(r"AKIA[A-Z0-9]{16}")
GCP_KEY_NAME = re.compile(r"projects/[^/\s]+/serviceAccounts/[^/\s]+@[^/\s]+/keys/[0-9a-f]{16,64}")
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
IAM_PREFIX = "//iam.googleapis.com/"

Extractor = Callable[[Finding], list[Request]]


def _req(f: Finding, kind: str, target: str, signal: str) -> Request:
    return Request(kind, target, signal, finding_id=f.id, rule=f.rule, severity=f.severity)


def _revocation(f: Finding) -> Mapping[str, Any]:
    rev = f.evidence.get("revocation")
    return rev if isinstance(rev, Mapping) else {}


def _secret_aws_key(f: Finding) -> list[Request]:
    # Only a key ID found with its secret: a lone key ID grants nothing and proves nothing leaked.
    key = _revocation(f).get("access_key_id")
    if f.evidence.get("paired") is True and isinstance(key, str) and AWS_USER_KEY.fullmatch(key):
        return [_req(f, AWS_KEY, key, "AWS key pair found by the secret scanner")]
    return []


def _secret_gcp_key(f: Finding) -> list[Request]:
    rev = _revocation(f)
    email, key_id = rev.get("client_email"), rev.get("private_key_id")
    project = rev.get("project_id") or "-"
    if not (isinstance(email, str) and isinstance(key_id, str) and isinstance(project, str)):
        return []
    name = f"projects/{project}/serviceAccounts/{email}/keys/{key_id}"
    return [_req(f, GCP_KEY, name, "service-account key file found by the secret scanner")] \
        if GCP_KEY_NAME.fullmatch(name) else []


def _health_exposed(f: Finding) -> list[Request]:
    keys = f.evidence.get("affected_keys")
    values = [keys] if isinstance(keys, str) else keys if isinstance(keys, list) else []
    return [_req(f, AWS_KEY, k, "AWS Health AWS_RISK_CREDENTIALS_EXPOSED")
            for k in dict.fromkeys(values) if isinstance(k, str) and AWS_USER_KEY.fullmatch(k)]


def _aws_quarantine(f: Finding) -> list[Request]:
    user = f.evidence.get("user")
    if not (isinstance(user, str) and re.fullmatch(r"[\w+=,.@-]{1,64}", user) and re.fullmatch(r"\d{12}", f.account)):
        return []
    # The user name comes from the AttachUserPolicy request: the responder confirms with IAM that the
    # quarantine policy really is attached to that user before it acts.
    return [_req(f, AWS_USER_QUARANTINE, f"arn:aws:iam::{f.account}:user/{user}",
                 "AWSCompromisedKeyQuarantine policy attached")]


def _gcp_disabled_exposed(f: Finding) -> list[Request]:
    name = f.resource.removeprefix(IAM_PREFIX)
    return [_req(f, GCP_KEY, name, "key disabled by Google as exposed")] if GCP_KEY_NAME.fullmatch(name) else []


def _authenticated_keys(f: Finding) -> list[str]:
    """The keys callers authenticated with: the earliest event's, and those of every event folded into
    the finding (evidence.distinct, filled from the same userIdentity field) — one deploy made with a
    second key of the same user within the hour must not escape the response."""
    key = f.evidence.get("access_key_id")
    keys = [key] if f.evidence.get("key_kind") == "long_lived" and isinstance(key, str) else []
    distinct = f.evidence.get("distinct")
    folded = distinct.get("access_key_id") if isinstance(distinct, Mapping) else None
    if isinstance(folded, list):
        keys += [v["value"] for v in folded if isinstance(v, Mapping) and isinstance(v.get("value"), str)]
    return list(dict.fromkeys(keys))


def _used_long_lived_key(f: Finding) -> list[Request]:
    """A provenance violation made with a long-lived key: the key the caller authenticated with."""
    out: list[Request] = []
    for key in _authenticated_keys(f):
        name = key.removeprefix(IAM_PREFIX)
        if f.cloud == "aws" and AWS_USER_KEY.fullmatch(key):  # AKIA: long-lived by its prefix
            out.append(_req(f, AWS_KEY, key, f"{f.rule} with a long-lived key"))
        elif f.cloud == "gcp" and GCP_KEY_NAME.fullmatch(name):
            out.append(_req(f, GCP_KEY, name, f"{f.rule} with a long-lived key"))
    return out


def _role_from_foreign_subject(f: Finding) -> list[Request]:
    """A deploy role assumed from an OIDC subject the policy does not allow: end the role's sessions."""
    if f.cloud == "aws" and f.evidence.get("principal_type") == "AssumedRole" and ROLE_ARN.fullmatch(f.principal):
        return [_req(f, AWS_ROLE_SESSIONS, f.principal, "deploy role assumed from an unexpected OIDC subject")]
    return []


def _provenance_mismatch(f: Finding) -> list[Request]:
    return _used_long_lived_key(f) or _role_from_foreign_subject(f)


#: rule id → extractor. The README's trigger table mirrors this dict.
TRIGGERS: dict[str, Extractor] = {
    "secrets.aws.access_key": _secret_aws_key,
    "secrets.gcp.service_account_key": _secret_gcp_key,
    "aws.health.credentials_exposed": _health_exposed,  # auditwarden:allow (a rule id, not a secret)
    "aws.iam.compromised_key_quarantine": _aws_quarantine,
    "gcp.iam.key_disabled_exposed": _gcp_disabled_exposed,
    "provenance.long_lived_key": _used_long_lived_key,
    "provenance.unexpected_deployer": _used_long_lived_key,
    "provenance.oidc_subject_mismatch": _provenance_mismatch,
}


def requests_for(f: Finding) -> list[Request] | None:
    """The requests a finding asks for; None when its rule declares no response at all."""
    extract = TRIGGERS.get(f.rule)
    return None if extract is None else extract(f)
