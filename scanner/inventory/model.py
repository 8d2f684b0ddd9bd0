"""The IAM snapshot: who exists, what policies they hold, their keys. Immutable, cloud-neutral where it can be.

AWS policies keep their statements (the evaluator needs them); GCP principals keep role names and the
snapshot carries the role → permissions table it was given. `problems` records every piece of input
that could not be read, so the report can say what it did not see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

#: a condition clause: (operator, key, values), e.g. ("StringEquals", "sts:ExternalId", ("abc",))
Condition = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None  # set when the statement uses NotAction
    resources: tuple[str, ...] = ("*",)
    not_resources: tuple[str, ...] | None = None
    conditions: tuple[Condition, ...] = ()
    principals: tuple[tuple[str, str], ...] = ()  # trust policies: (kind, value), kind AWS|Service|Federated|*
    sid: str = ""


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy document as held by a principal. `via` names the group it comes through, if any."""

    name: str
    arn: str = ""  # managed policies; "" for inline
    kind: str = "inline"  # inline | managed | aws_managed | boundary | trust
    statements: tuple[Statement, ...] = ()
    via: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} (via group {self.via})" if self.via else self.name


@dataclass(frozen=True, slots=True)
class AccessKey:
    id: str  # AWS access key id (an identifier, not a secret) / GCP key id
    active: bool = True
    created: datetime | None = None
    last_used: datetime | None = None
    user_managed: bool = True  # GCP: SYSTEM_MANAGED keys are Google's and never leave it
    last_used_known: bool = True  # GCP key lists say nothing about use unless the files/API did


@dataclass(frozen=True, slots=True)
class Principal:
    cloud: str  # aws | gcp
    account: str
    kind: str  # user | role | root | service_account | member (GCP user:/group:/domain:)
    name: str
    id: str  # ARN / email / member string: what findings name as `principal`
    description: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    policies: tuple[Policy, ...] = ()  # identity policies, group-inherited included
    boundary: Policy | None = None
    trust: Policy | None = None
    groups: tuple[str, ...] = ()
    keys: tuple[AccessKey, ...] = ()
    mfa: bool | None = None
    console: bool | None = None
    created: datetime | None = None
    last_used: datetime | None = None
    roles: tuple[str, ...] = ()  # GCP: roles bound at the project
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that could not be (fully) read: named by file and what was wrong."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class IamSnapshot:
    cloud: str
    account: str
    source: str  # file or "api"
    principals: tuple[Principal, ...] = ()
    role_permissions: Mapping[str, frozenset[str]] = field(default_factory=dict)  # GCP role → permissions
    problems: tuple[Problem, ...] = ()
    #: AWS: managed policies present in the account, attached or not (CreatePolicyVersion targets)
    managed_policies: tuple[Policy, ...] = ()

    def principal(self, ident: str) -> Principal | None:
        for p in self.principals:
            if p.id == ident:
                return p
        return None
