"""What a responder is asked to do and what was decided, as immutable records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Action kinds: the name in config (`response.disabled_actions`), in `auditwarden revoke KIND …`
#: and in the finding's response block. Each says which cloud call it makes.
AWS_KEY = "aws-key"  # iam:UpdateAccessKey Status=Inactive (never deleted: undo reactivates)
AWS_ROLE_SESSIONS = "aws-role-sessions"  # inline AWSRevokeOlderSessions deny on aws:TokenIssueTime
AWS_USER_QUARANTINE = "aws-user-quarantine"  # inline deny-all policy on the user
GCP_KEY = "gcp-key"  # DisableServiceAccountKey
GCP_SA = "gcp-sa"  # DisableServiceAccount
KINDS: tuple[str, ...] = (AWS_KEY, AWS_ROLE_SESSIONS, AWS_USER_QUARANTINE, GCP_KEY, GCP_SA)

# Decision statuses.
EXECUTED = "executed"
WOULD_EXECUTE = "would_execute"  # dry run: every check passed, nothing changed
ALREADY_DONE = "already_done"  # the target is already in the wanted state: a no-op, never counted
REFUSED = "refused"
FAILED = "failed"
STARTED = "started"  # written before the cloud call: a crash mid-call leaves this, not silence
UNDONE = "undone"


@dataclass(frozen=True, slots=True)
class Request:
    """One action on one target, with where the request came from (a finding or a person)."""

    kind: str
    target: str  # key ID, role ARN, user ARN, GCP key name, service-account e-mail
    signal: str  # why this is credible: "key found by secrets", "AWS Health …", "manual"
    finding_id: str = ""
    rule: str = ""
    severity: str = ""
    reason: str = ""  # --reason TEXT on manual requests
    #: sessions issued before this time must end (RFC 3339; the finding's time). "" = now.
    not_before: str = ""


@dataclass(frozen=True, slots=True)
class Resolved:
    """A target checked against the cloud: whose it is, and whether the action is still needed."""

    account: str  # AWS account / GCP project the action happens in
    owner: str  # the principal the credential belongs to (user ARN, SA e-mail), for protected globs
    done: bool  # already in the wanted state (key inactive, SA disabled …)
    detail: Mapping[str, Any] = field(default_factory=dict)  # what undo needs (user name, role name …)


class Refused(Exception):
    """The cloud says no action may be taken on this target: refused, never retried."""


class NotOurs(Refused):
    """The target does not resolve to a credential we own."""


class CloudError(Exception):
    """A cloud call failed after its retries (throttling, 5xx) or for a reason we cannot fix."""
