"""The normalized Event: one immutable record per audit entry, whatever the cloud.

A NamedTuple rather than a frozen dataclass: construction is on the hot path of every scan and a
frozen dataclass costs several times more per instance. It is just as immutable and typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class Event(NamedTuple):
    cloud: str  # "aws" | "gcp"
    id: str  # eventID / insertId
    time: str  # RFC 3339 as recorded
    account: str  # AWS account id / GCP project id
    region: str
    service: str  # eventSource / serviceName
    operation: str  # name used for matching (Lambda version suffix stripped)
    raw_operation: str  # name exactly as recorded
    permissions: tuple[str, ...]  # derived `prefix:Action` (AWS) / authorizationInfo permissions (GCP)
    principal: str  # stable principal (role ARN for assumed roles, never the session name)
    principal_type: str  # IAMUser, AssumedRole, Root, AWSService, WebIdentityUser, ... / user, serviceAccount
    session_name: str
    access_key_id: str
    key_kind: str  # "long_lived" (AKIA / SA key) | "temporary" (ASIA) | ""
    mfa: bool | None
    oidc_subject: str  # federated subject (WebIdentityUser, GCP principalSubject of WIF)
    delegation: tuple[str, ...]  # GCP serviceAccountDelegationInfo chain / AWS session issuer chain
    source_ip: str
    user_agent: str
    error_code: str
    error_message: str
    resources: tuple[str, ...]
    log_kind: str  # management|data|insight|event (AWS); activity|data_access|system_event|policy (GCP)
    read_only: bool | None
    raw: Mapping[str, Any]  # the original record (never mutated)
    #: what normalizing left out, e.g. "gcp:requestMetadata:wrong_type" (a wrong-typed ancillary field
    #: dropped so the record could still be judged); counted in the run summary
    notes: tuple[str, ...] = ()

    @property
    def success(self) -> bool:
        return not self.error_code

    def to_dict(self, include_raw: bool = False) -> dict[str, Any]:
        d = self._asdict()
        if not include_raw:
            d.pop("raw")
        d["success"] = self.success
        return d


#: Field names a rule may match on directly (besides `raw.<path>`).
EVENT_FIELDS: frozenset[str] = frozenset(Event._fields) | {"success"}
