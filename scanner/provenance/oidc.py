"""AWS role sessions → the OIDC subject that opened them.

CloudTrail records a GitHub (or any OIDC) login as AssumeRoleWithWebIdentity, whose response holds
the new session's temporary access key id and `subjectFromWebIdentityToken`. Every later call of
that session carries the same `userIdentity.accessKeyId`, but not the subject. The link is kept in
the state store, keyed by access key id, for the session's lifetime, so it survives file, batch and
process boundaries (`--state FILE`). Clocks are event times: replaying last month's logs works.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scanner.model.event import Event
from scanner.state.base import StateStore
from scanner.timeutil import epoch_seconds

LINK_PREFIX = "provenance:oidc:"
#: STS's default DurationSeconds, used when the event names neither an expiration nor a duration.
DEFAULT_SESSION_SECONDS = 3600.0
#: CloudTrail writes credentials.expiration like "May 1, 2024, 1:00:00 PM" (UTC).
_CT_EXPIRATION = "%b %d, %Y, %I:%M:%S %p"


def is_web_identity_login(ev: Event) -> bool:
    return ev.cloud == "aws" and ev.service == "sts.amazonaws.com" and ev.operation == "AssumeRoleWithWebIdentity"


def _expiration(text: str) -> float | None:
    try:
        return datetime.strptime(text.strip(), _CT_EXPIRATION).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return epoch_seconds(text)


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def session_link(ev: Event) -> tuple[str, dict[str, Any], float, float] | None:
    """(access key id, link, issued at, ttl seconds) from a successful AssumeRoleWithWebIdentity."""
    if not ev.success:
        return None
    resp = _map(ev.raw.get("responseElements"))
    creds = _map(resp.get("credentials"))
    key = creds.get("accessKeyId")
    issued = epoch_seconds(ev.time)
    if not isinstance(key, str) or not key or issued is None:
        return None
    subject = resp.get("subjectFromWebIdentityToken")
    if not isinstance(subject, str) or not subject:
        subject = ev.oidc_subject
    params = _map(ev.raw.get("requestParameters"))
    expires = _expiration(creds["expiration"]) if isinstance(creds.get("expiration"), str) else None
    if expires is not None and expires > issued:
        ttl = expires - issued
    else:
        duration = params.get("durationSeconds")
        ttl = float(duration) if isinstance(duration, (int, float)) and duration > 0 else DEFAULT_SESSION_SECONDS
    role = params.get("roleArn")
    link = {
        "subject": subject,
        "role": role if isinstance(role, str) else "",
        "provider": str(resp.get("provider") or (ev.delegation[0] if ev.delegation else ""))[:300],
        "issued": ev.time,
        "event_id": ev.id,
        "source_ip": ev.source_ip,
    }
    return key, link, issued, ttl


def store_link(state: StateStore, ev: Event) -> bool:
    found = session_link(ev)
    if found is None:
        return False
    key, link, issued, ttl = found
    state.put(LINK_PREFIX + key, link, issued, ttl)
    return True


def find_link(state: StateStore, access_key_id: str, now: float) -> dict[str, Any] | None:
    if not access_key_id:
        return None
    v = state.get(LINK_PREFIX + access_key_id, now)
    return v if isinstance(v, dict) else None


def role_of_login(ev: Event) -> str:
    role = _map(ev.raw.get("requestParameters")).get("roleArn")
    return role if isinstance(role, str) else ""


def federated_session(ev: Event) -> bool:
    """Does userIdentity say the session came from web identity federation?"""
    ui = _map(ev.raw.get("userIdentity"))
    return bool(_map(_map(ui.get("sessionContext")).get("webIdFederationData")))


def known_not_federated(ev: Event) -> bool:
    """Does userIdentity say outright that the session did not come from web identity (`{}`, not absent)?"""
    ctx = _map(_map(ev.raw.get("userIdentity")).get("sessionContext"))
    data = ctx.get("webIdFederationData")
    return isinstance(data, Mapping) and not data
