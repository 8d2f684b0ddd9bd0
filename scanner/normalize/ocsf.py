"""Event → OCSF 1.8.0 API Activity (class_uid 6003), the schema AWS Security Lake and most SIEMs read.

Every OCSF attribute is filled from the normalized Event, reading the raw record only for what the
Event does not keep (request id, session issuer, event type). Whatever has no OCSF home — the
stripped operation name, derived permissions, the OIDC subject, the delegation chain, the key kind —
goes under `unmapped` with our field names. The mapping is total: any Event gives a record.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from scanner.model.event import Event
from scanner.normalize.gcp import RPC_CODES
from scanner.timeutil import epoch_millis

OCSF_VERSION = "1.8.0"
CLASS_UID = 6003
CATEGORY_UID = 6

ACTIVITY_NAMES = {0: "Unknown", 1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"}

#: Leading verb of an operation (lower case) → activity_id. What is not here is 99 Other.
VERB_ACTIVITY: dict[str, int] = {
    **dict.fromkeys(("create", "insert", "add", "put", "run", "import", "upload", "register", "allocate", "issue",
                     "generate", "copy", "launch", "publish", "request", "send", "invoke"), 1),
    **dict.fromkeys(("get", "list", "describe", "head", "lookup", "search", "query", "select", "read", "scan",
                     "view", "download", "retrieve", "fetch", "access", "test", "check", "export", "filter",
                     "estimate", "preview", "batchget"), 2),
    **dict.fromkeys(("update", "modify", "set", "patch", "attach", "detach", "associate", "disassociate", "enable",
                     "disable", "start", "stop", "reboot", "restore", "tag", "untag", "change", "reset", "rotate",
                     "replace", "apply", "grant", "revoke", "authorize", "assign", "unassign", "move", "rename",
                     "upgrade", "resize", "edit", "configure", "cancel", "suspend", "resume", "activate",
                     "deactivate", "undelete"), 3),
    **dict.fromkeys(("delete", "remove", "terminate", "destroy", "purge", "deregister", "release", "drop",
                     "unregister", "deprovision"), 4),
}

_FIRST_WORD = re.compile(r"[A-Za-z][a-z]*")

#: principal_type → OCSF user.type_id (1 User, 2 Admin, 3 System, 4 Service, 99 Other, 0 Unknown).
USER_TYPE_IDS: dict[str, int] = {
    "IAMUser": 1, "IdentityCenterUser": 1, "SAMLUser": 1, "FederatedUser": 1, "user": 1,
    "Root": 2,
    "AWSService": 4, "serviceAccount": 4,
    "": 0, "Unknown": 0,
}

_GCP_SEVERITY = {"DEBUG": 1, "INFO": 1, "NOTICE": 1, "DEFAULT": 1, "WARNING": 2, "ERROR": 3, "CRITICAL": 4,
                 "ALERT": 5, "EMERGENCY": 6}
_SEVERITY_NAMES = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal"}

_USER_TYPE_NAMES = {0: "Unknown", 1: "User", 2: "Admin", 3: "System", 4: "Service"}

#: PERMISSION_DENIED → 7: GCP failures keep their numeric google.rpc.Code in api.response.code.
_RPC_NUMBERS: dict[str, int] = {name: number for number, name in RPC_CODES.items()}


def activity_id(operation: str) -> int:
    """Create/Read/Update/Delete from the operation's verb: CreateAccessKey, storage.objects.get, ..."""
    name = operation.rsplit(".", 1)[-1]  # GCP methods are dotted; the verb starts the last part
    m = _FIRST_WORD.match(name)
    if not m:
        return 0 if not operation else 99
    verb = m.group().lower()
    if verb == "batch":  # BatchGetImage, BatchDeleteImage: the verb follows
        m2 = _FIRST_WORD.match(name, m.end())
        verb = m2.group().lower() if m2 else verb
    return VERB_ACTIVITY.get(verb, 99)


def to_ocsf(ev: Event, include_raw: bool = False) -> dict[str, Any]:
    """One OCSF API Activity record. `include_raw` adds the original record as `raw_data` (JSON text)."""
    raw = ev.raw if isinstance(ev.raw, Mapping) else {}
    act = activity_id(ev.operation)
    severity = _severity(ev, raw)
    out: dict[str, Any] = {
        "class_uid": CLASS_UID,
        "class_name": "API Activity",
        "category_uid": CATEGORY_UID,
        "category_name": "Application Activity",
        "activity_id": act,
        "activity_name": ACTIVITY_NAMES[act] if act != 99 else (ev.operation or "Other"),
        "type_uid": CLASS_UID * 100 + act,
        "type_name": f"API Activity: {ACTIVITY_NAMES[act]}",
        "severity_id": severity,
        "severity": _SEVERITY_NAMES[severity],
        "time": epoch_millis(ev.time) or 0,
        "metadata": _metadata(ev, raw),
        "cloud": _cloud(ev),
        "api": _api(ev, raw),
        "actor": _actor(ev, raw),
        "src_endpoint": _src_endpoint(ev),
        "status_id": 1 if ev.success else 2,
        "status": "Success" if ev.success else "Failure",
        "message": _message(ev),
    }
    if not ev.success:
        out["status_code"] = ev.error_code
        if ev.error_message:
            out["status_detail"] = ev.error_message
    if ev.user_agent:
        out["http_request"] = {"user_agent": ev.user_agent}
    if ev.resources:
        out["resources"] = _resources(ev, raw)
    unmapped = _unmapped(ev)
    if unmapped:
        out["unmapped"] = unmapped
    if include_raw:
        raw_text = _raw_text(raw)
        if raw_text:
            out["raw_data"] = raw_text
    return out


def _severity(ev: Event, raw: Mapping[str, Any]) -> int:
    if ev.cloud == "gcp":
        sev = raw.get("severity")
        return _GCP_SEVERITY.get(sev, 1) if isinstance(sev, str) else 1
    return 1  # an API call is information; rules decide what is severe


def _metadata(ev: Event, raw: Mapping[str, Any]) -> dict[str, Any]:
    md: dict[str, Any] = {"version": OCSF_VERSION, "profiles": ["cloud"]}
    if ev.id:
        md["uid"] = ev.id
    if ev.time:
        md["original_time"] = ev.time
    if ev.account:
        md["tenant_uid"] = ev.account
    if ev.cloud == "aws":
        if ev.log_kind == "event":  # an EventBridge event of another service (Health, GuardDuty, ...)
            md["product"] = {"name": ev.service or "EventBridge", "vendor_name": "AWS"}
            md["log_provider"] = "Amazon EventBridge"
        else:
            md["product"] = {"name": "CloudTrail", "vendor_name": "AWS"}
            md["log_provider"] = "AWS CloudTrail"
            md["log_name"] = ev.log_kind
            _copy_str(raw, "eventType", md, "event_code")
            _copy_str(raw, "eventVersion", md, "log_version")
    else:
        log_name = raw.get("logName")
        audit = isinstance(log_name, str) and "cloudaudit.googleapis.com" in log_name
        md["product"] = {"name": "Cloud Audit Logs" if audit else "Cloud Logging", "vendor_name": "Google Cloud"}
        md["log_provider"] = "Google Cloud Logging"
        if isinstance(log_name, str) and log_name:
            md["log_name"] = log_name
        op = raw.get("operation")
        if isinstance(op, Mapping):
            _copy_str(op, "id", md, "correlation_uid")  # long-running operations log first and last
    return md


def _cloud(ev: Event) -> dict[str, Any]:
    cloud: dict[str, Any] = {"provider": "AWS" if ev.cloud == "aws" else "GCP"}
    if ev.region:
        cloud["region"] = ev.region
    acct = ev.account
    if not acct:
        return cloud
    if ev.cloud == "aws":
        cloud["account"] = {"uid": acct, "type_id": 10, "type": "AWS Account"}
    elif acct.startswith("organizations/"):
        cloud["org"] = {"uid": acct.removeprefix("organizations/")}
    elif "/" in acct:  # folders/N, billingAccounts/N
        cloud["account"] = {"uid": acct, "type_id": 99, "type": acct.partition("/")[0]}
    else:
        cloud["account"] = {"uid": acct, "type_id": 11, "type": "GCP Project"}
    return cloud


def _api(ev: Event, raw: Mapping[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = {"operation": ev.raw_operation or ev.operation or "unknown"}
    if ev.service:
        api["service"] = {"name": ev.service}
    if ev.cloud == "aws":
        request_id = raw.get("requestID")
        if isinstance(request_id, str) and request_id:
            api["request"] = {"uid": request_id}
    if not ev.success:
        response: dict[str, Any] = {"error": ev.error_code}
        if ev.error_message:
            response["error_message"] = ev.error_message
        number = _rpc_number(ev.error_code) if ev.cloud == "gcp" else None
        if number is not None:
            response["code"] = number
        api["response"] = response
    return api


def _rpc_number(name: str) -> int | None:
    if name.isascii() and name.isdigit():
        return int(name)
    return _RPC_NUMBERS.get(name)


def _actor(ev: Event, raw: Mapping[str, Any]) -> dict[str, Any]:
    ui = _obj(raw.get("userIdentity")) if ev.cloud == "aws" else {}
    type_id = USER_TYPE_IDS.get(ev.principal_type, 99)
    # OCSF: the `type` sibling is the enum caption, or the source's own word when type_id is Other.
    user: dict[str, Any] = {"type_id": type_id, "type": _USER_TYPE_NAMES.get(type_id, ev.principal_type)}
    if ev.principal:
        user["uid"] = ev.principal
    # OCSF needs a name or a uid; a record that names no caller (trimmed samples, flow logs) says so.
    user["name"] = _user_name(ev, ui) or "unknown"
    alt = _text(ui.get("principalId")) if ev.cloud == "aws" else _gcp_subject(raw)
    if alt and alt != ev.principal:
        user["uid_alt"] = alt
    if ev.cloud == "gcp" and "@" in ev.principal and _EMAIL.match(ev.principal):
        user["email_addr"] = ev.principal
    owner_account = _text(ui.get("accountId"))
    if owner_account:
        user["account"] = {"uid": owner_account, "type_id": 10, "type": "AWS Account"}
    actor: dict[str, Any] = {"user": user}
    session = _session(ev, ui)
    if session:
        actor["session"] = session
    idp = _idp(ev, ui)
    if idp:
        actor["idp"] = idp
    invoked_by = _text(ui.get("invokedBy"))
    if invoked_by:  # the AWS service that made the call on the principal's behalf
        actor["app_name"] = invoked_by
    return actor


_EMAIL = re.compile(r"^[a-zA-Z0-9!#$%&'*+\-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$")


def _user_name(ev: Event, ui: Mapping[str, Any]) -> str:
    if ev.cloud != "aws":
        return ev.principal
    issuer = _obj(_obj(ui.get("sessionContext")).get("sessionIssuer"))
    name = _text(ui.get("userName")) or _text(issuer.get("userName"))
    if name:
        return name
    if ev.principal_type == "Root":
        return "root"
    return ev.principal.rsplit("/", 1)[-1] if ev.principal.startswith("arn:") else ev.principal


def _gcp_subject(raw: Mapping[str, Any]) -> str:
    auth = _obj(_obj(raw.get("protoPayload")).get("authenticationInfo"))
    return _text(auth.get("principalSubject"))


def _session(ev: Event, ui: Mapping[str, Any]) -> dict[str, Any]:
    session: dict[str, Any] = {}
    if ev.access_key_id:
        session["credential_uid"] = ev.access_key_id
    if ev.mfa is not None:
        session["is_mfa"] = ev.mfa
    ctx = _obj(ui.get("sessionContext"))
    issuer = _text(_obj(ctx.get("sessionIssuer")).get("arn"))
    if issuer:
        session["issuer"] = issuer
    created = epoch_millis(_text(_obj(ctx.get("attributes")).get("creationDate")))
    if created is not None:
        session["created_time"] = created
    return session


def _idp(ev: Event, ui: Mapping[str, Any]) -> dict[str, Any]:
    if ev.cloud == "aws":
        provider = _text(ui.get("identityProvider")) or _text(
            _obj(_obj(ui.get("sessionContext")).get("webIdFederationData")).get("federatedProvider"))
        if not provider:
            return {}
        protocol = "SAML" if ev.principal_type == "SAMLUser" or ":saml-provider/" in provider else "OIDC"
        return {"name": provider, "protocol_name": protocol}
    if ev.oidc_subject:  # GCP workload/workforce identity federation: the pool names the provider
        for uri in (ev.principal, *ev.delegation):
            pool, sep, _ = uri.partition("/subject/")
            if sep and uri.startswith("principal://"):
                return {"name": pool.removeprefix("principal://")}
    return {}


def _src_endpoint(ev: Event) -> dict[str, Any]:
    src = ev.source_ip.strip()
    if src:
        try:
            return {"ip": str(ipaddress.ip_address(src))}
        except ValueError:
            pass
        # CloudTrail writes the calling service ("ec2.amazonaws.com") or "AWS Internal" here.
        return {"hostname": src} if "." in src and " " not in src else {"name": src}
    # No caller recorded (system events, EventBridge events of a service): the service originated it.
    return {"name": ev.service or "unknown"}


def _resources(ev: Event, raw: Mapping[str, Any]) -> list[dict[str, Any]]:
    types: dict[str, str] = {}
    if ev.cloud == "aws" and isinstance(raw.get("resources"), list):
        for r in raw["resources"]:
            if isinstance(r, Mapping):
                arn, rtype = _text(r.get("ARN") or r.get("arn")), _text(r.get("type"))
                if arn and rtype:
                    types[arn] = rtype
    out: list[dict[str, Any]] = []
    for uid in ev.resources:
        res: dict[str, Any] = {"uid": uid}
        if uid in types:
            res["type"] = types[uid]
        out.append(res)
    return out


def _message(ev: Event) -> str:
    who = ev.principal or "an unknown principal"
    what = f"{ev.service} {ev.raw_operation or ev.operation}".strip()
    return f"{who} called {what}" + ("" if ev.success else f" and was refused ({ev.error_code})")


def _unmapped(ev: Event) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if ev.principal_type:
        extra["principal_type"] = ev.principal_type
    if ev.operation and ev.operation != ev.raw_operation:
        extra["operation"] = ev.operation
    if ev.permissions:
        extra["permissions"] = list(ev.permissions)
    if ev.session_name:
        extra["session_name"] = ev.session_name
    if ev.key_kind:
        extra["key_kind"] = ev.key_kind
    if ev.oidc_subject:
        extra["oidc_subject"] = ev.oidc_subject
    if ev.delegation:
        extra["delegation"] = list(ev.delegation)
    if ev.log_kind:
        extra["log_kind"] = ev.log_kind
    if ev.read_only is not None:
        extra["read_only"] = ev.read_only
    return extra


def _raw_text(raw: Mapping[str, Any]) -> str:
    import orjson

    try:
        return orjson.dumps(raw).decode()
    except orjson.JSONEncodeError:  # nesting beyond what orjson writes: leave it out, don't fail
        return ""


def _obj(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _copy_str(src: Mapping[str, Any], key: str, dst: dict[str, Any], as_key: str) -> None:
    v = src.get(key)
    if isinstance(v, str) and v:
        dst[as_key] = v
