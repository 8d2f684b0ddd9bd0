"""The cheap look at a raw record that decides whether it needs full normalization at all.

Most audit records match no rule; reading four fields instead of building an Event is what keeps a
scan near the speed of parsing JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.normalize.aws_names import strip_version_suffix
from scanner.sources.records import CLOUDTRAIL, EVENTBRIDGE, GCP_LOGENTRY, RawRecord

QuickKey = tuple[str, str, str, str]  # (cloud, service, operation, principal_type)


def _s(v: Any) -> str:
    return v if isinstance(v, str) else ""


def quick_key(rec: RawRecord) -> QuickKey:
    d = rec.data
    if rec.kind == CLOUDTRAIL:
        ui = d.get("userIdentity")
        ptype = _s(ui.get("type")) if isinstance(ui, Mapping) else ""
        return "aws", _s(d.get("eventSource")), strip_version_suffix(_s(d.get("eventName"))), ptype
    if rec.kind == GCP_LOGENTRY:
        p = d.get("protoPayload")
        if isinstance(p, Mapping):
            auth = p.get("authenticationInfo")
            email = _s(auth.get("principalEmail")) if isinstance(auth, Mapping) else ""
            ptype = "serviceAccount" if email.endswith(".gserviceaccount.com") else ("user" if email else "")
            return "gcp", _s(p.get("serviceName")), _s(p.get("methodName")), ptype
        return "gcp", "", "", ""
    if rec.kind == EVENTBRIDGE:
        detail = d.get("detail")
        code = _s(detail.get("eventTypeCode")) if isinstance(detail, Mapping) else ""
        return "aws", _s(d.get("source")), code or _s(d.get("detail-type")), "AWSService"
    return "", "", "", ""
