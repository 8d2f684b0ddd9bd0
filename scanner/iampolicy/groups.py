"""Which IAM groups hold administrator access, so that adding a user to one can be reported.

`AddUserToGroup` names a group and a user, nothing about what the group may do; that was said by the
`AttachGroupPolicy` / `PutGroupPolicy` calls that armed the group, possibly months before. Per group
the state store keeps the administrator-equivalent policies attached to it (policy ARN, or
`inline:<name>` for an inline policy) with the reason each is one; detaching or deleting a policy
removes it, deleting the group forgets it. A group armed before the logs began is unknown: silent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from scanner.state.base import StateStore

#: AWS-managed policies that are administrator-equivalent (IAMFullAccess grants itself the rest);
#: the same two that aws.iam.admin_policy_granted names.
_MANAGED_ADMIN = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(AdministratorAccess|IAMFullAccess)$")
#: Administrator policies remembered per group: enough to explain a finding, bounded against floods.
MAX_SOURCES = 20


def managed_admin_reason(policy_arn: str) -> str:
    """Why an AWS-managed policy ARN is administrator-equivalent, or "" when it is not one we know of."""
    m = _MANAGED_ADMIN.match(policy_arn)
    return f"AWS-managed {m.group(1)} attached" if m else ""


class AdminGroups:
    """Administrator-equivalent policies per (account, group), in the state store."""

    def __init__(self, state: StateStore, ttl: float) -> None:
        self.state = state
        self.ttl = ttl

    @staticmethod
    def _key(account: str, group: str) -> str:
        # IAM group names are unique regardless of case within an account
        return f"iam_policy:group:{account}:{group.lower()}"

    def why(self, account: str, group: str, now: float) -> dict[str, str]:
        """{policy: reason} for the group's administrator-equivalent policies; {} when none is known."""
        v = self.state.get(self._key(account, group), now)
        if not isinstance(v, Mapping):
            return {}
        return {str(k): str(r) for k, r in v.items() if isinstance(r, str)}

    def grant(self, account: str, group: str, source: str, reason: str, now: float) -> None:
        held = self.why(account, group, now)
        if held.get(source) == reason or (source not in held and len(held) >= MAX_SOURCES):
            return
        self.state.put(self._key(account, group), {**held, source: reason}, now, self.ttl)

    def revoke(self, account: str, group: str, source: str, now: float) -> None:
        held = self.why(account, group, now)
        if source not in held:
            return
        del held[source]
        if held:
            self.state.put(self._key(account, group), held, now, self.ttl)
        else:
            self.forget(account, group)

    def forget(self, account: str, group: str) -> None:
        self.state.delete(self._key(account, group))
