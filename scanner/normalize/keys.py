"""The cheap look at a raw record that decides whether it needs full normalization at all.

Most audit records match no rule; reading four fields instead of building an Event is what keeps a
scan near the speed of parsing JSON.
"""

from __future__ import annotations

from typing import Any

from scanner.normalize.aws_names import strip_version_suffix
from scanner.normalize.errors import NormalizeError, scalar_text
from scanner.normalize.gcp import POLICY_DENIED, is_policy_log, mapped_principal, non_audit_key, principal_type
from scanner.sources.records import CLOUDTRAIL, EVENTBRIDGE, GCP_LOGENTRY, RawRecord

QuickKey = tuple[str, str, str, str]  # (cloud, service, operation, principal_type)


def _req(v: Any, what: str) -> str:
    # Validated here, not only in the full mapper: records no detector wants are never fully
    # normalized, and a record with the wrong types must still be dead-lettered, not waved through.
    if isinstance(v, str):
        return v
    raise NormalizeError("wrong_type", f"{what} must be a string")


def quick_key(rec: RawRecord) -> QuickKey:
    """Raises NormalizeError when the fields it reads have the wrong types."""
    d = rec.data
    if rec.kind == CLOUDTRAIL:
        ui = d.get("userIdentity")
        if ui is not None and not isinstance(ui, dict):
            raise NormalizeError("wrong_type", "userIdentity must be an object")
        ptype = scalar_text(ui.get("type"), "userIdentity.type") if ui else ""
        op = strip_version_suffix(_req(d.get("eventName"), "eventName"))
        return "aws", _req(d.get("eventSource"), "eventSource"), op, ptype
    if rec.kind == GCP_LOGENTRY:
        p = d.get("protoPayload")
        if isinstance(p, dict) and p:
            auth = p.get("authenticationInfo")
            if auth is not None and not isinstance(auth, dict):
                raise NormalizeError("wrong_type", "authenticationInfo must be an object")
            email = scalar_text(auth.get("principalEmail"), "principalEmail") if isinstance(auth, dict) else ""
            subject = scalar_text(auth.get("principalSubject"), "principalSubject") if isinstance(auth, dict) else ""
            mapped = "" if email else mapped_principal(p)
            ptype = principal_type(email, mapped or subject)
            svc = scalar_text(p.get("serviceName"), "serviceName")
            method = scalar_text(p.get("methodName"), "methodName")
            if is_policy_log(scalar_text(d.get("logName"), "logName")):
                method = POLICY_DENIED  # a denied call: see POLICY_DENIED
            return "gcp", svc, method, ptype
        if p is not None and not isinstance(p, dict):
            raise NormalizeError("wrong_type", "protoPayload must be an object")
        service, operation = non_audit_key(d)
        return "gcp", service, operation, ""
    if rec.kind == EVENTBRIDGE:
        # read exactly as normalize_eventbridge reads it: a key that disagrees would route the record
        # past (or to) detectors on a different identity than the one its Event carries
        detail = d.get("detail")
        if detail is not None and not isinstance(detail, dict):
            raise NormalizeError("wrong_type", f"detail is a {type(detail).__name__}, expected an object")
        code = scalar_text(detail.get("eventTypeCode"), "eventTypeCode") if detail else ""
        source = scalar_text(d.get("source"), "source")
        return "aws", source, code or scalar_text(d.get("detail-type"), "detail-type"), "AWSService"
    return "", "", "", ""
