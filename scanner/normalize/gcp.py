"""GCP LogEntry (Cloud Audit Logs, and any other LogEntry a sink delivers) → Event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from scanner.model.event import Event
from scanner.normalize.aws import _map, _str
from scanner.normalize.errors import NormalizeError
from scanner.normalize.ids import synthetic_id

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
    "cloudaudit.googleapis.com/activity": "activity",
    "cloudaudit.googleapis.com/data_access": "data_access",
    "cloudaudit.googleapis.com/system_event": "system_event",
    "cloudaudit.googleapis.com/policy": "policy",
}

#: The operation (in the quick key and the Event) of a Policy Denied entry; raw_operation keeps the denied
#: call's method. The call did not happen, so rules about that method must not judge it as if it had; and
#: a rule about denials (VPC Service Controls) selects exactly these entries by this one operation,
#: without wanting every GCP record. It is the log's id, as the operation of a non-audit entry is.
POLICY_DENIED = "cloudaudit.googleapis.com/policy"


def _log_parts(log_name: str) -> tuple[str, str]:
    """("projects/p" | "organizations/o" | ..., log id) from a logName."""
    parent, sep, log_id = log_name.partition("/logs/")
    return (parent, log_id) if sep else ("", log_name)


def log_kind(log_name: str) -> str:
    """activity | data_access | system_event | policy, else the log id unescaped, from a logName (of a
    project, folder, organization or billing account; the id escaped as `%2F`, `%2f` or not at all)."""
    log_id = _log_parts(log_name)[1].replace("%2F", "/").replace("%2f", "/")
    return _LOG_KINDS.get(log_id, log_id)


def is_policy_log(log_name: str) -> bool:
    """Whether a logName is a Policy Denied audit log (log_kind "policy"); read for every entry the scan
    keys, so the suffix check spares the rest the parsing."""
    return log_name.endswith("policy") and log_kind(log_name) == "policy"


def federated_subject(principal_subject: str) -> str:
    """The OIDC/SAML subject inside a federated principal identifier, else "".

    Workload and workforce pools name a caller `principal://iam.googleapis.com/<pool>/subject/<sub>`
    (some references spell it `subjects/`); GKE workload identity still uses the legacy
    `serviceAccount:<project>.svc.id.goog[<namespace>/<ksa>]`.
    """
    if principal_subject.startswith("principal://"):
        for marker in ("/subject/", "/subjects/"):
            _, sep, subject = principal_subject.partition(marker)
            if sep:
                return subject
        return ""
    if principal_subject.startswith("serviceAccount:") and principal_subject.endswith("]"):
        _, sep, subject = principal_subject[:-1].partition("[")
        return subject if sep else ""
    return ""


#: IAM member prefixes a principalSubject carries, → our principal_type.
_SUBJECT_KINDS = {"user": "user", "serviceAccount": "serviceAccount", "group": "group", "domain": "domain"}


def principal_type(email: str, subject: str) -> str:
    """user | serviceAccount | federated | group | domain | "" from principalEmail / principalSubject."""
    if email:
        return "serviceAccount" if email.endswith(".gserviceaccount.com") else "user"
    if subject.startswith(("principal://", "principalSet://")) or federated_subject(subject):
        return "federated"
    kind, sep, _ = subject.partition(":")
    return _SUBJECT_KINDS.get(kind, "") if sep else ""


def _status_code(code: Any) -> int:
    # proto3 JSON writes int32 as a number but readers must accept the decimal string form too.
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, float) and code.is_integer():
        return int(code)
    if isinstance(code, str) and code.isascii() and code.isdigit() and len(code) < 10:
        return int(code)
    raise NormalizeError("wrong_type", f"status.code must be an integer, got {type(code).__name__}")


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


def mapped_principal(payload: Mapping[str, Any]) -> str:
    meta = payload.get("metadata")
    v = meta.get("mapped_principal") if isinstance(meta, dict) else None
    return v if isinstance(v, str) else ""


def _who(payload: Mapping[str, Any]) -> tuple[str, str, str]:
    """(principalEmail, mapped principal, principalSubject) of an AuditLog payload, as the Event reads them."""
    auth = _map(payload, "authenticationInfo")
    email = _str(auth, "principalEmail")
    # An STS token exchange logs the IdP's raw subject in principalSubject and the pool's name for
    # the caller in metadata.mapped_principal; the latter is the stable principal.
    mapped = mapped_principal(payload) if not email else ""
    return email, mapped, _str(auth, "principalSubject")


#: The raw paths principal_of() reads (a decoder may read only these: sources/projection.py).
PRINCIPAL_PATHS = (("protoPayload", "authenticationInfo", "principalEmail"),
                   ("protoPayload", "authenticationInfo", "principalSubject"),
                   ("protoPayload", "metadata", "mapped_principal"))


def principal_of(entry: Mapping[str, Any]) -> str | None:
    """The Event's `principal` of a LogEntry with an AuditLog payload, computed as normalize_logentry
    does (one code path), from PRINCIPAL_PATHS alone; None where that is not certain from them (no
    payload, or a shape the mapper refuses): the caller must then not rule the record out."""
    payload = entry.get("protoPayload")
    if not isinstance(payload, dict) or not payload:
        return None
    try:
        email, mapped, subject = _who(payload)
    except NormalizeError:
        return None
    return email or mapped or subject


#: A field spec: (expected type, sub-fields to check inside it, whether a wrong type may be dropped).
_Spec = dict[str, tuple[type, "_Spec", bool]]
#: Fields that describe a call but do not decide who did what: a wrong type drops the field (with a note
#: counted in the run summary), not the record. protoPayload itself is not ancillary; its parts below are.
_ANCILLARY: _Spec = {
    "resource": (dict, {"labels": (dict, {}, True), "type": (str, {}, True)}, True),
    "labels": (dict, {}, True),
    "operation": (dict, {}, True),
    "sourceLocation": (dict, {}, True),
    "protoPayload": (dict, {
        "requestMetadata": (dict, {
            "requestAttributes": (dict, {"time": (str, {}, True)}, True),
            "callerIp": (str, {}, True),
            "callerSuppliedUserAgent": (str, {}, True),
        }, True),
        "resourceLocation": (dict, {}, True),
        "status": (dict, {"message": (str, {}, True)}, False),
    }, False),
}


def _clean(obj: Mapping[str, Any], spec: _Spec, path: str, notes: list[str]) -> Mapping[str, Any]:
    """obj without its wrong-typed ancillary fields (a copy only where something changed)."""
    out = obj
    for key, (want, sub, ancillary) in spec.items():
        v = obj.get(key)
        if v is None:
            continue
        if not isinstance(v, want):
            if ancillary:
                notes.append(f"gcp:{path}{key}:wrong_type")
                out = {k: x for k, x in out.items() if k != key}
            continue  # a core field of the wrong type is the mapper's to refuse
        if sub:
            cleaned = _clean(cast(Mapping[str, Any], v), sub, f"{path}{key}.", notes)
            if cleaned is not v:
                out = {**out, key: cleaned}
    return out


def normalize_logentry(original: Mapping[str, Any]) -> Event:
    notes: list[str] = []
    entry = _clean(original, _ANCILLARY, "", notes)
    payload = _map(entry, "protoPayload")
    ts = entry.get("timestamp") or entry.get("receiveTimestamp")
    if ts is None:  # excerpts in docs omit it; the request time is the next best clock
        ts = _str(_map(_map(payload, "requestMetadata"), "requestAttributes"), "time")
    if not isinstance(ts, str):
        raise NormalizeError("wrong_type", "LogEntry timestamp must be a string")
    log_name = _str(entry, "logName")
    parent = _log_parts(log_name)[0]
    if not payload:
        return _non_audit(entry, ts, parent)._replace(raw=original, notes=tuple(notes))
    auth = _map(payload, "authenticationInfo")
    email, mapped, subject_uri = _who(payload)
    principal = email or mapped or subject_uri
    ptype = principal_type(email, mapped or subject_uri)
    oidc = federated_subject(mapped) or federated_subject(subject_uri) or (subject_uri if mapped else "")
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
                who = _claims_label(third.get("thirdPartyClaims"))
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
    raw_code = status.get("code")
    code = 0 if raw_code is None else _status_code(raw_code)
    err = RPC_CODES.get(code, str(code)) if code else ""
    meta = _map(payload, "requestMetadata")
    resources = []
    rname = _str(payload, "resourceName")
    if rname:
        resources.append(rname)
    method = _str(payload, "methodName")
    return Event(
        "gcp",
        _str(entry, "insertId") or synthetic_id(original),
        ts,
        _account(entry, parent),
        _region(entry, payload),
        _str(payload, "serviceName"),
        POLICY_DENIED if is_policy_log(log_name) else method,
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
        log_kind(log_name),
        None,
        original,
        tuple(notes),
    )


def _claims_label(claims: Any) -> str:
    """A short, stable label for a third-party principal: its subject-like claim, else a marker.
    (str() of attacker-controlled nesting could exhaust the stack; pick scalars only.)"""
    if isinstance(claims, dict):
        for k in ("sub", "subject", "principal", "email", "name"):
            v = claims.get(k)
            if isinstance(v, str) and v:
                return v[:200]
    return "thirdPartyPrincipal"


def non_audit_key(entry: Mapping[str, Any]) -> tuple[str, str]:
    """(service, operation) of a LogEntry without an AuditLog payload: resource type and log id."""
    # `resource` is ancillary (see _ANCILLARY): a wrong-typed one means no resource type, not a bad record.
    res = entry.get("resource")
    rtype = res.get("type") if isinstance(res, dict) else None
    return (rtype if isinstance(rtype, str) else ""), _log_parts(_str(entry, "logName"))[1].replace("%2F", "/")


def _non_audit(entry: Mapping[str, Any], ts: str, parent: str) -> Event:
    """Flow logs, load-balancer logs and other LogEntries a sink may deliver: keep, don't guess."""
    rtype, lid = non_audit_key(entry)
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
