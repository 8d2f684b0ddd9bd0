"""GCP LogEntry (Cloud Audit Logs, and any other LogEntry a sink delivers) → Event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.model.event import Event
from scanner.normalize.aws import _map, _str
from scanner.normalize.errors import NormalizeError

#: google.rpc.Code numbers → names, so rules and users see PERMISSION_DENIED, not 7.
RPC_CODES: dict[int, str] = {
    1: "CANCELLED",
    2: "UNKNOWN",
    3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND",
    6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED",
    8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION",
    10: "ABORTED",
    11: "OUT_OF_RANGE",
    12: "UNIMPLEMENTED",
    13: "INTERNAL",
    14: "UNAVAILABLE",
    15: "DATA_LOSS",
    16: "UNAUTHENTICATED",
}

_LOG_KINDS = {
    "cloudaudit.googleapis.com%2Factivity": "activity",
    "cloudaudit.googleapis.com/activity": "activity",
    "cloudaudit.googleapis.com%2Fdata_access": "data_access",
    "cloudaudit.googleapis.com/data_access": "data_access",
    "cloudaudit.googleapis.com%2Fsystem_event": "system_event",
    "cloudaudit.googleapis.com/system_event": "system_event",
    "cloudaudit.googleapis.com%2Fpolicy": "policy",
    "cloudaudit.googleapis.com/policy": "policy",
}


def _log_parts(log_name: str) -> tuple[str, str]:
    """("projects/p" | "organizations/o" | ..., log id) from a logName."""
    parent, sep, log_id = log_name.partition("/logs/")
    return (parent, log_id) if sep else ("", log_name)


def federated_subject(principal_subject: str) -> str:
    """The OIDC/SAML subject inside a workload-identity principal URI, else ""."""
    if principal_subject.startswith("principal://"):
        _, sep, subject = principal_subject.partition("/subject/")
        return subject if sep else ""
    return ""


def _account(entry: Mapping[str, Any], parent: str) -> str:
    labels = _map(_map(entry, "resource"), "labels")
    project = labels.get("project_id")
    if isinstance(project, str) and project:
        return project
    if parent.startswith("projects/"):
        return parent[len("projects/") :]
    return parent


def _region(entry: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    labels = _map(_map(entry, "resource"), "labels")
    for k in ("location", "region", "zone"):
        v = labels.get(k)
        if isinstance(v, str) and v:
            return v
    locs = _map(payload, "resourceLocation").get("currentLocations")
    if isinstance(locs, list) and locs and isinstance(locs[0], str):
        return locs[0]
    return ""


def normalize_logentry(entry: Mapping[str, Any]) -> Event:
    payload = _map(entry, "protoPayload")
    ts = entry.get("timestamp") or entry.get("receiveTimestamp")
    if ts is None:  # excerpts in docs omit it; the request time is the next best clock
        ts = _str(_map(_map(payload, "requestMetadata"), "requestAttributes"), "time")
    if not isinstance(ts, str):
        raise NormalizeError("wrong_type", "LogEntry timestamp must be a string")
    log_name = _str(entry, "logName")
    parent, log_id = _log_parts(log_name)
    if not payload:
        return _non_audit(entry, ts, parent, log_id)
    auth = _map(payload, "authenticationInfo")
    email = _str(auth, "principalEmail")
    subject_uri = _str(auth, "principalSubject")
    principal = email or subject_uri
    if email.endswith(".gserviceaccount.com"):
        ptype = "serviceAccount"
    elif email:
        ptype = "user"
    elif subject_uri.startswith(("principal://", "principalSet://")):
        ptype = "federated"
    else:
        ptype = subject_uri.partition(":")[0] if ":" in subject_uri else ""
    oidc = federated_subject(subject_uri)
    chain: list[str] = []
    deleg = auth.get("serviceAccountDelegationInfo")
    if isinstance(deleg, list):
        for hop in deleg:
            if not isinstance(hop, dict):
                raise NormalizeError("wrong_type", "serviceAccountDelegationInfo entries must be objects")
            first = _map(hop, "firstPartyPrincipal")
            third = _map(hop, "thirdPartyPrincipal")
            who = _str(first, "principalEmail") or _str(hop, "principalSubject")
            if third and not who:
                who = str(third.get("thirdPartyClaims", ""))[:200]
            if who:
                chain.append(who)
            if not oidc:
                oidc = federated_subject(_str(hop, "principalSubject"))
    sa_key = _str(auth, "serviceAccountKeyName")
    perms: list[str] = []
    authz = payload.get("authorizationInfo")
    if isinstance(authz, list):
        for a in authz:
            if isinstance(a, dict):
                p = a.get("permission")
                if isinstance(p, str) and p not in perms:
                    perms.append(p)
    status = _map(payload, "status")
    code = status.get("code")
    if code is None or code == 0:
        err = ""
    elif isinstance(code, int):
        err = RPC_CODES.get(code, str(code))
    else:
        raise NormalizeError("wrong_type", "status.code must be an integer")
    meta = _map(payload, "requestMetadata")
    resources = []
    rname = _str(payload, "resourceName")
    if rname:
        resources.append(rname)
    method = _str(payload, "methodName")
    return Event(
        "gcp",
        _str(entry, "insertId"),
        ts,
        _account(entry, parent),
        _region(entry, payload),
        _str(payload, "serviceName"),
        method,
        method,
        tuple(perms),
        principal,
        ptype,
        "",
        sa_key,
        "long_lived" if sa_key else "",
        None,
        oidc,
        tuple(chain),
        _str(meta, "callerIp"),
        _str(meta, "callerSuppliedUserAgent"),
        err,
        _str(status, "message") if err else "",
        tuple(resources),
        _LOG_KINDS.get(log_id, log_id.replace("%2F", "/")),
        None,
        entry,
    )


def _non_audit(entry: Mapping[str, Any], ts: str, parent: str, log_id: str) -> Event:
    """Flow logs, load-balancer logs and other LogEntries a sink may deliver: keep, don't guess."""
    resource = _map(entry, "resource")
    rtype = _str(resource, "type")
    lid = log_id.replace("%2F", "/")
    return Event(
        "gcp",
        _str(entry, "insertId"),
        ts,
        _account(entry, parent),
        _region(entry, _map(entry, "protoPayload")),
        rtype,
        lid,
        lid,
        (),
        "",
        "",
        "",
        "",
        "",
        None,
        "",
        (),
        _str(_map(entry, "httpRequest"), "remoteIp"),
        _str(_map(entry, "httpRequest"), "userAgent"),
        "",
        "",
        (),
        lid,
        None,
        entry,
    )
