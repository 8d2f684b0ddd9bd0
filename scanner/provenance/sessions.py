"""AWS role sessions → the origin that opened them, kept in the state store.

CloudTrail records every STS login (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML)
with the new session's temporary access key id in its response. Every later call of that session
carries the same `userIdentity.accessKeyId`, but not who assumed the role, nor the OIDC subject.
The link is kept in the state store, keyed by access key id, for the session's lifetime, so it
survives file, batch and process boundaries (`--state FILE`). Clocks are event times: replaying
last month's logs works.

A session that assumes another role (role chaining) passes its origin on. The link stores only
what the login itself says (the caller and the caller's key); the caller's own link is followed
when the link is read, so the order in which logins are seen does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scanner.model.event import Event
from scanner.provenance.origin import OIDC, ROLE, UNKNOWN, Origin, aws_caller_origin, origin_from_json
from scanner.state.base import StateStore
from scanner.timeutil import epoch_seconds

#: The prefix predates origins (links held only OIDC subjects); kept so existing state files still link.
LINK_PREFIX = "provenance:oidc:"
LOGINS = frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"})
#: STS's default DurationSeconds, used when the event names neither an expiration nor a duration.
DEFAULT_SESSION_SECONDS = 3600.0
#: Role chains longer than this are not followed further (STS itself allows chains, loops are possible
#: in stored links written by an attacker-shaped trail).
MAX_CHAIN = 10
#: CloudTrail writes credentials.expiration like "May 1, 2024, 1:00:00 PM" (UTC).
_CT_EXPIRATION = "%b %d, %Y, %I:%M:%S %p"


def is_login(ev: Event) -> bool:
    return ev.cloud == "aws" and ev.service == "sts.amazonaws.com" and ev.operation in LOGINS


def _expiration(text: str) -> float | None:
    try:
        return datetime.strptime(text.strip(), _CT_EXPIRATION).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return epoch_seconds(text)


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def role_of_login(ev: Event) -> str:
    role = _map(ev.raw.get("requestParameters")).get("roleArn")
    return role if isinstance(role, str) else ""


def session_link(ev: Event) -> tuple[str, dict[str, Any], float, float] | None:
    """(access key id, link, issued at, ttl seconds) from a successful STS login."""
    if not ev.success:
        return None
    resp = _map(ev.raw.get("responseElements"))
    creds = _map(resp.get("credentials"))
    key = creds.get("accessKeyId")
    issued = epoch_seconds(ev.time)
    if not isinstance(key, str) or not key or issued is None:
        return None
    params = _map(ev.raw.get("requestParameters"))
    expires = _expiration(creds["expiration"]) if isinstance(creds.get("expiration"), str) else None
    if expires is not None and expires > issued:
        ttl = expires - issued
    else:
        duration = params.get("durationSeconds")
        ttl = float(duration) if isinstance(duration, (int, float)) and duration > 0 else DEFAULT_SESSION_SECONDS
    origin = aws_caller_origin(ev)
    link = {
        "role": role_of_login(ev)[:300],
        "issued": ev.time,
        "event_id": ev.id,
        "source_ip": ev.source_ip,
        "origin": origin.to_json(),
        # the calling session, followed when the link is read (role chaining)
        "caller_key": ev.access_key_id if ev.principal_type == "AssumedRole" and ev.key_kind == "temporary" else "",
        # read by links of older versions' readers: the OIDC subject and provider
        "subject": origin.subject if origin.kind == OIDC and origin.subject else "",
        "provider": origin.provider[:300],
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


def _issuing(link: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(link.get(k, ""))[:300] for k in ("event_id", "issued", "role")}


def _own_origin(link: Mapping[str, Any]) -> Origin:
    found = origin_from_json(link.get("origin"))
    if found is not None:
        return found
    subject = link.get("subject")  # a link written before origins were tracked: web identity only
    if isinstance(subject, str) and subject:
        return Origin(OIDC, subject, subject, str(link.get("provider") or ""))
    return Origin(UNKNOWN, "", None)


def link_origin(state: StateStore, link: Mapping[str, Any]) -> Origin:
    """The origin of a linked session, following the calling sessions' links back to the chain's start."""
    seen: set[str] = set()
    hops: list[Mapping[str, Any]] = [link]
    current = link
    while len(hops) <= MAX_CHAIN:
        caller_key = current.get("caller_key")
        own = _own_origin(current)
        # A calling session whose own login is known says more than "another role" or "an OIDC session".
        if not isinstance(caller_key, str) or not caller_key or caller_key in seen or own.kind not in (ROLE, OIDC) \
                or (own.kind == OIDC and own.subject is not None):
            break
        seen.add(caller_key)
        issued = epoch_seconds(str(current.get("issued", ""))) or 0.0
        caller = find_link(state, caller_key, issued)  # the caller's session was live when it assumed on
        if caller is None:
            break
        hops.append(caller)
        current = caller
    origin = _own_origin(hops[-1])
    # Roles passed through between the chain's start and the acting session (whose role is the principal).
    chain = (*origin.chain, *(str(h.get("role") or "") for h in reversed(hops[1:])))
    source = origin.source_identity or next(
        (o.source_identity for o in (_own_origin(h) for h in hops) if o.source_identity), "")
    return Origin(origin.kind, origin.principal, origin.subject, origin.provider, origin.session, source,
                  tuple(c for c in chain if c), _issuing(link))
